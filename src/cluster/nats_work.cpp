#include "cluster/nats_work.h"

#include "core/hash.h"
#include "core/ids.h"

#include <spdlog/spdlog.h>

namespace imgpipe::cluster {

using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

Result stored_result(const std::string& key, const ObjectInfo& info, bool created) {
    Result r;
    r.key = key;
    r.ok = true;
    r.info = info;
    r.created = created;
    return r;
}

Error unavailable() {
    return Error(ErrorCode::workers_unavailable,
                 "the image workers cannot be reached; try again shortly");
}

// How long an API node waits for a job: the transform's own limit, plus as long again for the
// time it may wait for a free worker.
int64_t wait_budget_ms(const Config& c) { return 2LL * c.limits.processing_timeout_ms + 5000; }

} // namespace

NatsWork::NatsWork(NatsClient& nats, Storage& storage, const Config& config, Metrics* metrics)
    : nats_(nats), storage_(storage), config_(config), names_(config.cluster.name),
      pool_(config.cluster.queue, 0, metrics, "image") {
    if (metrics) {
        timeouts_ = &timeouts_total(*metrics, "cluster");
    }
    const natsStatus s = natsConnection_Subscribe(&done_sub_, nats_.connection(),
                                                  names_.done_wildcard.c_str(), on_done, this);
    if (s != NATS_OK) throw std::runtime_error("cannot subscribe to results: " + nats_error(s));
    natsSubscription_SetPendingLimits(done_sub_, 1 << 20, 256 << 20);
}

NatsWork::~NatsWork() {
    pool_.join();
    natsSubscription_Unsubscribe(done_sub_);
    natsSubscription_Destroy(done_sub_);
}

void NatsWork::on_done(natsConnection*, natsSubscription*, natsMsg* msg, void* self_ptr) {
    auto* self = static_cast<NatsWork*>(self_ptr);
    auto result = decode_result(std::string_view(natsMsg_GetData(msg),
                                                 static_cast<size_t>(natsMsg_GetDataLength(msg))));
    natsMsg_Destroy(msg);
    if (!result) return;
    std::shared_ptr<Pending> p;
    {
        std::lock_guard lock(self->mutex_);
        auto it = self->pending_.find(result->key);
        if (it == self->pending_.end()) return; // another node's job
        p = it->second;
    }
    std::lock_guard lock(p->mutex);
    p->result = std::move(*result);
    p->cv.notify_all();
}

Result NatsWork::dispatch(const Job& job, bool may_join) {
    if (!nats_.connected()) throw unavailable();
    auto pending = std::make_shared<Pending>();
    {
        std::lock_guard lock(mutex_);
        pending_[job.key] = pending; // the API coalesces per key, so a key is here once
    }
    struct Forget {
        NatsWork& self;
        const std::string& key;
        ~Forget() {
            std::lock_guard lock(self.mutex_);
            self.pending_.erase(key);
        }
    } forget{*this, job.key};

    const std::string subject = names_.job_subject(job.key);
    const std::string payload = encode(job);
    const auto deadline = Clock::now() + std::chrono::milliseconds(job.deadline_ms - unix_ms_now());
    bool published = false;
    for (;;) {
        if (!published) {
            switch (nats_.publish_job(subject, payload)) {
            case NatsClient::Published::queued:
                published = true;
                ++dispatched_;
                break;
            case NatsClient::Published::full:
                throw Error(ErrorCode::overloaded, "the image workers are all busy; try again shortly");
            case NatsClient::Published::unavailable: throw unavailable();
            case NatsClient::Published::already_queued:
                // Another node's job for the same key: its result comes to us too. It may have
                // been stored just before we subscribed to its answer: look.
                if (!may_join) throw Error(ErrorCode::internal, "a job with this id is already queued");
                if (auto stored = storage_.head(job.key)) return stored_result(job.key, *stored, false);
                break;
            }
        }
        std::unique_lock lock(pending->mutex);
        pending->cv.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::seconds(1)),
                               [&] { return pending->result.has_value(); });
        if (pending->result) {
            Result r = std::move(*pending->result);
            if (!r.ok) throw Error(r.code, r.message);
            r.created = r.created && published;
            return r;
        }
        lock.unlock();
        if (Clock::now() >= deadline) {
            if (timeouts_) timeouts_->inc();
            throw Error(ErrorCode::timeout, "the image workers did not answer in time");
        }
        if (!nats_.connected()) throw unavailable();
        // A result lost on the way (the broker restarted as it was sent) must not hold us until
        // the deadline: the store has the final word.
        if (published) {
            if (auto stored = storage_.head(job.key)) return stored_result(job.key, *stored, true);
        }
    }
}

awaitable<ImageService::Transformed> NatsWork::transform(ObjectInfo original, Chain chain,
                                                          std::string variant_id) {
    co_return co_await pool_.run([this, &original, &chain, &variant_id] {
        Job job;
        job.kind = Job::Kind::transform;
        job.key = variant_id;
        job.request_id = new_image_id();
        job.deadline_ms = unix_ms_now() + wait_budget_ms(config_);
        job.original = original;
        job.chain = chain.canonical();
        job.limits = config_.limits;
        job.output = config_.output;
        const Result r = dispatch(job, true);
        return ImageService::Transformed{r.info, r.created};
    });
}

awaitable<ObjectInfo> NatsWork::ingest(std::unique_ptr<Spool> spool, std::string filename) {
    co_return co_await pool_.run([this, &spool, &filename] {
        spool->finish();
        if (spool->size() == 0) throw Error(ErrorCode::unsupported_media, "the file is empty");
        Job job;
        job.kind = Job::Kind::ingest;
        job.key = new_image_id();
        job.request_id = new_image_id();
        job.deadline_ms = unix_ms_now() + wait_budget_ms(config_);
        // The upload goes to the store under a name no request can read (a chain that does not
        // parse); the worker checks it, stores the original under its id and removes this.
        job.staging = job.key + "/upload";
        job.size = spool->size();
        job.etag = quoted_etag(spool->md5_hex());
        job.filename = filename;
        job.limits = config_.limits;
        job.output = config_.output;
        storage_.put_file(ObjectInfo{job.staging, "application/octet-stream", job.size, job.etag,
                                     filename, 0, 0},
                          spool->file().release());
        try {
            return dispatch(job, false).info;
        } catch (const Error& e) {
            if (e.code() != ErrorCode::timeout) {
                try {
                    storage_.remove(job.staging); // the worker removes it too; either is enough
                } catch (const std::exception&) {
                }
            }
            throw;
        }
    });
}

} // namespace imgpipe::cluster
