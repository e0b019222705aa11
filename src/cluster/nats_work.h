#pragma once

#include "cluster/nats_client.h"
#include "core/config.h"
#include "work/image_work.h"
#include "work/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace imgpipe::cluster {

// The API node's side of cluster mode: no pixel work here. A job is published on the job stream,
// a worker does it and publishes the result, which reaches every API node. Each dispatched job
// waits on a thread of a bounded pool (at most cluster.queue per node; one more is 503 at once).
//
// A publish refused because a job for the same key is already queued or running (on behalf of
// another node) is the cluster-wide coalescing: this node waits for that job's result, checking
// the store and retrying the publish every second, so that a result missed in between, or a job
// that was answered with an error, never leaves a request waiting until its deadline.
class NatsWork final : public ImageWork {
public:
    // With a registry: the pool's series (pool="image"; queue wait is nil, as the pool has no
    // queue) and imgpipe_timeouts_total{kind="cluster"} (jobs the workers did not answer in time).
    NatsWork(NatsClient& nats, Storage& storage, const Config& config, Metrics* metrics = nullptr);
    ~NatsWork() override;

    boost::asio::awaitable<ObjectInfo> ingest(std::unique_ptr<Spool> spool, std::string filename) override;
    boost::asio::awaitable<ImageService::Transformed> transform(ObjectInfo original, Chain chain,
                                                                std::string variant_id) override;
    int in_flight() const override { return pool_.in_flight(); }
    bool local() const override { return false; }
    bool reachable() const override { return nats_.connected(); }
    uint64_t dispatched() const override { return dispatched_.load(); }
    void join() override { pool_.join(); }

private:
    struct Pending {
        std::mutex mutex;
        std::condition_variable cv;
        std::optional<Result> result;
    };
    // Publishes `job` and waits for its result (or joins the job already running for its key).
    // Throws Error: overloaded, workers_unavailable, timeout, or the worker's error.
    Result dispatch(const Job& job, bool may_join);
    static void on_done(natsConnection*, natsSubscription*, natsMsg* msg, void* self);

    NatsClient& nats_;
    Storage& storage_;
    const Config& config_;
    Names names_;
    WorkerPool pool_;
    natsSubscription* done_sub_ = nullptr;
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
    std::atomic<uint64_t> dispatched_{0};
    Counter* timeouts_ = nullptr;
};

} // namespace imgpipe::cluster
