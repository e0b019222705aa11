#pragma once

#include "core/errors.h"
#include "core/metrics.h"

#include <utility>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>

namespace imgpipe {

// A bounded thread pool for awaitable jobs (image work in one process, waits on the network). At
// most `threads + queue` jobs are admitted; one more is refused at once with Error(overloaded), which
// the API answers as 503 with Retry-After, instead of queueing without bound.
//
// With a registry, the pool reports under the label pool="<name>": the time each job waited
// between admission and its start on a pool thread (imgpipe_queue_wait_seconds), the jobs running
// and the jobs queued (gauges), and the jobs refused as overload. Without one (tools, tests), it
// counts nothing.
class WorkerPool {
public:
    WorkerPool(int threads, int queue, Metrics* metrics = nullptr, const std::string& name = "image")
        : pool_(static_cast<size_t>(threads)), capacity_(threads + queue) {
        if (!metrics) return;
        const Labels pool{{"pool", name}};
        queue_wait_ = &metrics->histogram("imgpipe_queue_wait_seconds",
                                          "Seconds a pool job waited between admission and its start.",
                                          kLatencyBuckets, pool);
        running_ = &metrics->gauge("imgpipe_pool_running", "Pool jobs running on a pool thread.", pool);
        queued_ = &metrics->gauge("imgpipe_pool_queued", "Pool jobs admitted and waiting for a thread.", pool);
        refused_ = &metrics->counter("imgpipe_pool_refused_total",
                                     "Pool jobs refused because the pool and its queue were full (503).", pool);
    }
    ~WorkerPool() { pool_.join(); }

    // co_await pool.run(fn): runs fn() on a pool thread and resumes the caller on its own executor
    // with fn's result (or its exception). Admission is decided when the job is awaited.
    template <class F>
    auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
        using R = std::invoke_result_t<F>;
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(std::exception_ptr, R)>(
            [this, fn = std::move(fn)](auto handler) mutable {
                auto ex = boost::asio::get_associated_executor(handler);
                if (admitted_.fetch_add(1) >= capacity_) {
                    admitted_.fetch_sub(1);
                    if (refused_) refused_->inc();
                    boost::asio::post(ex, [handler = std::move(handler)]() mutable {
                        handler(std::make_exception_ptr(Error(
                                    ErrorCode::overloaded, "the server is busy; try again shortly")),
                                R{});
                    });
                    return;
                }
                if (queued_) queued_->add(1);
                boost::asio::post(pool_, [this, fn = std::move(fn), ex, handler = std::move(handler),
                                          admitted = std::chrono::steady_clock::now()]() mutable {
                    if (queue_wait_) {
                        queue_wait_->observe(std::chrono::duration<double>(
                                                 std::chrono::steady_clock::now() - admitted)
                                                 .count());
                        queued_->add(-1);
                        running_->add(1);
                    }
                    on_job_start_();
                    std::exception_ptr error;
                    R result{};
                    try {
                        result = fn();
                    } catch (...) {
                        error = std::current_exception();
                    }
                    on_job_end_();
                    if (running_) running_->add(-1);
                    admitted_.fetch_sub(1);
                    boost::asio::dispatch(ex, [handler = std::move(handler), error,
                                               result = std::move(result)]() mutable {
                        handler(error, std::move(result));
                    });
                });
            },
            boost::asio::use_awaitable);
    }

    // Waits for the jobs admitted so far; their completions are posted to their callers' executors
    // (which must still exist, even if stopped).
    void join() { pool_.join(); }

    // Run before and after every job on the pool thread (libvips' per-thread set-up and clean-up).
    void on_job_start(std::function<void()> f) { on_job_start_ = std::move(f); }
    void on_job_end(std::function<void()> f) { on_job_end_ = std::move(f); }
    int in_flight() const { return admitted_.load(); }

private:
    boost::asio::thread_pool pool_;
    int capacity_;
    std::atomic<int> admitted_{0};
    std::function<void()> on_job_start_ = [] {};
    std::function<void()> on_job_end_ = [] {};
    Histogram* queue_wait_ = nullptr;
    Gauge* running_ = nullptr;
    Gauge* queued_ = nullptr;
    Counter* refused_ = nullptr;
};

} // namespace imgpipe
