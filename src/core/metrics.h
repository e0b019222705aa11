#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgpipe {

// Prometheus labels of one series, in the order given: {{"route", "image"}, {"code", "2xx"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
    void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

// Fixed buckets (upper bounds, ascending; +Inf is implicit). observe() is lock-free: one relaxed
// increment per bucket hit, so it can sit on every request's path.
class Histogram {
public:
    explicit Histogram(std::span<const double> bounds);
    void observe(double value);
    // Observes the seconds from now to its destruction.
    class Timer {
    public:
        explicit Timer(Histogram& h) : h_(&h), start_(std::chrono::steady_clock::now()) {}
        Timer(Timer&& o) noexcept : h_(std::exchange(o.h_, nullptr)), start_(o.start_) {}
        Timer(const Timer&) = delete;
        Timer& operator=(const Timer&) = delete;
        Timer& operator=(Timer&&) = delete;
        ~Timer() { stop(); }
        void stop() {
            if (h_) std::exchange(h_, nullptr)->observe(seconds());
        }
        double seconds() const {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        }

    private:
        Histogram* h_;
        std::chrono::steady_clock::time_point start_;
    };
    Timer time() { return Timer(*this); }

    const std::vector<double>& bounds() const { return bounds_; }
    // Per bucket (not cumulative), the last one being +Inf.
    std::vector<uint64_t> counts() const;
    uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    double sum() const { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> counts_;
    std::atomic<uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// Seconds, from a cache hit on local disk (~0.1 ms) to a slow link download or a big AVIF encode.
inline constexpr double kLatencyBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,   0.5,   1,      2.5,   5,    10,   30};

// The metrics of one process, for GET /metrics. Series are created on first use and live as long
// as the registry, so the references handed out stay valid; asking again for the same name and
// labels gives the same series. The components that do the work (pools, storage, fetcher, image
// service, HTTP layer) each take the registry and count what they see; nothing else formats
// Prometheus text.
class Metrics {
public:
    Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
    Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
    // A counter kept elsewhere (a total a component already has), read when scraped.
    void counter_fn(std::string_view name, std::string_view help, std::function<double()> read,
                    const Labels& labels = {});
    // A gauge read when scraped (resident memory, a pool's queue length).
    void gauge_fn(std::string_view name, std::string_view help, std::function<double()> read,
                  const Labels& labels = {});
    Histogram& histogram(std::string_view name, std::string_view help,
                         std::span<const double> bounds = kLatencyBuckets, const Labels& labels = {});

    // The Prometheus text exposition format (version 0.0.4), families in registration order.
    std::string prometheus() const;

private:
    enum class Type { counter, gauge, histogram };
    struct Series {
        std::string labels; // rendered: route="image",code="2xx"
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::function<double()> read;
        std::unique_ptr<Histogram> histogram;
    };
    struct Family {
        std::string name, help;
        Type type;
        std::map<std::string, Series> series; // by rendered labels
    };
    Series& series(std::string_view name, std::string_view help, Type type, const Labels& labels);

    mutable std::mutex mutex_;
    std::deque<Family> families_;
    std::map<std::string, Family*, std::less<>> by_name_;
};

// imgpipe_timeouts_total{kind}: work stopped by a time limit. One family, counted where each limit
// is enforced (kind = pipeline, fetch, cluster), so its help text lives here once.
Counter& timeouts_total(Metrics& metrics, std::string_view kind);

} // namespace imgpipe
