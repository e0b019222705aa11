#include "core/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace imgpipe {

namespace {

std::string escape(std::string_view s, bool quote) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '"' && quote) out += "\\\"";
        else out += c;
    }
    return out;
}

std::string render(const Labels& labels) {
    std::string out;
    for (const auto& [k, v] : labels) {
        if (!out.empty()) out += ',';
        out += k + "=\"" + escape(v, true) + "\"";
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
}

// name{labels} or name{labels,extra}
std::string sample(std::string_view name, const std::string& labels, std::string_view extra = {}) {
    std::string out(name);
    if (labels.empty() && extra.empty()) return out;
    out += '{';
    out += labels;
    if (!labels.empty() && !extra.empty()) out += ',';
    out += extra;
    out += '}';
    return out;
}

} // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
    if (!std::is_sorted(bounds_.begin(), bounds_.end())) throw std::logic_error("histogram buckets unsorted");
    for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::observe(double value) {
    const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::counts() const {
    std::vector<uint64_t> out(bounds_.size() + 1);
    for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
    return out;
}

Metrics::Series& Metrics::series(std::string_view name, std::string_view help, Type type,
                                 const Labels& labels) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
        Family& f = families_.emplace_back(Family{std::string(name), std::string(help), type, {}});
        it = by_name_.emplace(f.name, &f).first;
    }
    Family& family = *it->second;
    if (family.type != type) throw std::logic_error("metric " + std::string(name) + " registered twice with two types");
    const std::string key = render(labels);
    auto [s, fresh] = family.series.try_emplace(key);
    if (fresh) s->second.labels = key;
    return s->second;
}

Counter& Metrics::counter(std::string_view name, std::string_view help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    Series& s = series(name, help, Type::counter, labels);
    if (!s.counter) s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& Metrics::gauge(std::string_view name, std::string_view help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    Series& s = series(name, help, Type::gauge, labels);
    if (!s.gauge) s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

void Metrics::counter_fn(std::string_view name, std::string_view help, std::function<double()> read,
                         const Labels& labels) {
    std::lock_guard lock(mutex_);
    series(name, help, Type::counter, labels).read = std::move(read);
}

void Metrics::gauge_fn(std::string_view name, std::string_view help, std::function<double()> read,
                       const Labels& labels) {
    std::lock_guard lock(mutex_);
    series(name, help, Type::gauge, labels).read = std::move(read);
}

Histogram& Metrics::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                              const Labels& labels) {
    std::lock_guard lock(mutex_);
    Series& s = series(name, help, Type::histogram, labels);
    if (!s.histogram) s.histogram = std::make_unique<Histogram>(bounds);
    return *s.histogram;
}

Counter& timeouts_total(Metrics& metrics, std::string_view kind) {
    return metrics.counter("imgpipe_timeouts_total",
                           "Work stopped by a time limit: kind=pipeline (processing_timeout_ms), kind=fetch (a "
                           "link that did not answer in time), kind=cluster (a job the image workers did not "
                           "answer in time).",
                           {{"kind", std::string(kind)}});
}

std::string Metrics::prometheus() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const Family& f : families_) {
        static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
        out += "# HELP " + f.name + " " + escape(f.help, false) + "\n";
        out += "# TYPE " + f.name + " " + kTypes[static_cast<int>(f.type)] + "\n";
        for (const auto& [key, s] : f.series) {
            if (s.counter) {
                out += sample(f.name, key) + " " + std::to_string(s.counter->value()) + "\n";
            } else if (s.gauge) {
                out += sample(f.name, key) + " " + number(s.gauge->value()) + "\n";
            } else if (s.read) {
                out += sample(f.name, key) + " " + number(s.read()) + "\n";
            } else if (s.histogram) {
                const auto counts = s.histogram->counts();
                const auto& bounds = s.histogram->bounds();
                uint64_t cumulative = 0;
                for (size_t i = 0; i < counts.size(); ++i) {
                    cumulative += counts[i];
                    const std::string le = i < bounds.size() ? number(bounds[i]) : "+Inf";
                    out += sample(f.name + "_bucket", key, "le=\"" + le + "\"") + " " +
                           std::to_string(cumulative) + "\n";
                }
                // From the same snapshot as the buckets, so that _count equals the +Inf bucket.
                out += sample(f.name + "_sum", key) + " " + number(s.histogram->sum()) + "\n";
                out += sample(f.name + "_count", key) + " " + std::to_string(cumulative) + "\n";
            }
        }
    }
    return out;
}

} // namespace imgpipe
