#pragma once

#include "cluster/cached_storage.h"
#include "cluster/jobs.h"
#include "cluster/nats_client.h"
#include "core/config.h"
#include "core/images.h"
#include "core/metrics.h"

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace imgpipe::cluster {

// A worker of the cluster: `threads` threads, each fetching one job from the shared pull consumer
// only when it is free (that is the back-pressure: jobs wait in the bounded stream, not here).
// While a job runs, a heartbeat tells JetStream every 500 ms that it is in progress; a worker
// killed mid-job stops doing so and the job is delivered to another within the 1.5 s AckWait.
// A job is answered on its key's done subject, then acknowledged.
class Worker {
public:
    // Counts into `metrics` (which must outlive the worker): its own job and cache series, and the
    // pipeline stages of the image work it runs.
    Worker(const Config& config, NatsClient& nats, CachedStorage& storage, Metrics& metrics);
    ~Worker();

    void stop(); // finish the jobs running, take no more
    void wait(); // until every thread has ended

    std::string health_json() const;
    int busy() const { return busy_.load(); } // threads running a job
    std::string metrics_text() const { return metrics_.prometheus(); }

    static constexpr uint64_t kMaxDeliveries = 4; // a job that failed on 4 workers is answered as failed

private:
    void fetch_loop(int index);
    void handle(natsMsg* msg);
    Result run(const Job& job, uint64_t delivered);
    void heartbeat_loop();

    const Config& config_;
    NatsClient& nats_;
    CachedStorage& storage_;
    Metrics& metrics_;
    const ImageMetrics image_metrics_; // resolved once: every job makes its own ImageService
    Names names_;
    std::string name_;
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
    std::thread heartbeat_;
    std::mutex active_mutex_;
    std::set<natsMsg*> active_;
    std::atomic<int> busy_{0};
    std::atomic<uint64_t> transforms_{0}, ingests_{0}, failed_{0}, redelivered_{0}, expired_{0};
};

} // namespace imgpipe::cluster
