#include "cluster/worker.h"

#include "core/images.h"
#include "core/ops/parse.h"
#include "core/pipeline/vips_setup.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

namespace imgpipe::cluster {

Worker::Worker(const Config& config, NatsClient& nats, CachedStorage& storage, Metrics& metrics)
    : config_(config), nats_(nats), storage_(storage), metrics_(metrics), image_metrics_(metrics),
      names_(config.cluster.name) {
    // The same series as before the registry; read at each scrape from the totals health_json
    // reports too.
    const auto total = [](const std::atomic<uint64_t>& v) { return [&v] { return static_cast<double>(v.load()); }; };
    metrics.counter_fn("imgpipe_transforms_total", "Derived images computed by this process.", total(transforms_));
    metrics.counter_fn("imgpipe_ingests_total", "Uploads checked and stored by this process.", total(ingests_));
    metrics.counter_fn("imgpipe_jobs_failed_total", "Jobs answered with an error.", total(failed_));
    metrics.counter_fn("imgpipe_jobs_redelivered_total",
                       "Jobs received again after another worker did not finish them.", total(redelivered_));
    metrics.gauge_fn("imgpipe_worker_busy_threads", "Threads running a job.",
                     [this] { return static_cast<double>(busy_.load()); });
    metrics.gauge_fn("imgpipe_nats_connected", "1 while connected to NATS.",
                     [this] { return nats_.connected() ? 1.0 : 0.0; });
    using Counts = CachedStorage::Counts;
    for (const auto& [op, field] : {std::pair{"head", &Counts::head}, {"get", &Counts::get},
                                    {"put", &Counts::put}, {"delete", &Counts::remove}}) {
        metrics.counter_fn("imgpipe_storage_requests_total", "Requests this process sent to the object store.",
                           [this, field = field] { return static_cast<double>(storage_.counts().*field); },
                           {{"op", op}});
    }
    metrics.counter_fn("imgpipe_cache_hits_total", "Originals and mipmaps served from the local cache.",
                       [this] { return static_cast<double>(storage_.counts().cache_hits); });
    metrics.gauge_fn("imgpipe_cache_bytes", "Bytes in the local cache.",
                     [this] { return static_cast<double>(storage_.counts().cache_bytes); });
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    name_ = std::string(host) + ":" + std::to_string(::getpid());
    for (int i = 0; i < config.cluster.worker_threads; ++i) {
        threads_.emplace_back([this, i] { fetch_loop(i); });
    }
    heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

Worker::~Worker() {
    stop();
    wait();
}

void Worker::stop() { stop_ = true; }

void Worker::wait() {
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    if (heartbeat_.joinable()) heartbeat_.join();
}

void Worker::fetch_loop(int index) {
    natsSubscription* sub = nullptr;
    int failures = 0, idle = 0;
    while (!stop_) {
        if (!sub) {
            jsSubOptions so;
            jsSubOptions_Init(&so);
            so.Stream = names_.stream.c_str();
            so.Consumer = names_.consumer.c_str();
            jsErrCode jerr = static_cast<jsErrCode>(0);
            if (!nats_.connected() ||
                js_PullSubscribe(&sub, nats_.jetstream(), names_.jobs_wildcard.c_str(),
                                 names_.consumer.c_str(), nullptr, &so, &jerr) != NATS_OK) {
                sub = nullptr;
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
                // The broker may have come back without the stream (no storage kept): recreate.
                if (nats_.connected()) {
                    try {
                        nats_.ensure_jobs(names_, config_.cluster.queue, false);
                    } catch (const std::exception& e) {
                        if (index == 0) spdlog::warn("{}", e.what());
                    }
                }
                continue;
            }
        }
        // One job at a time per thread: a worker never holds a job it has no thread for.
        natsMsgList list{};
        jsErrCode jerr = static_cast<jsErrCode>(0);
        const natsStatus s = natsSubscription_Fetch(&list, sub, 1, 500, &jerr);
        if (s == NATS_OK) {
            failures = idle = 0;
            for (int i = 0; i < list.Count; ++i) handle(list.Msgs[i]);
            natsMsgList_Destroy(&list);
            continue;
        }
        if (s == NATS_TIMEOUT) {
            // Quiet for 5 s: is the consumer still there? A broker that restarted without its
            // storage has none, and pulls from it just time out.
            if (++idle % 10 == 0 && nats_.connected()) {
                jsConsumerInfo* ci = nullptr;
                jsErrCode cerr = static_cast<jsErrCode>(0);
                if (js_GetConsumerInfo(&ci, nats_.jetstream(), names_.stream.c_str(),
                                       names_.consumer.c_str(), nullptr, &cerr) == NATS_OK) {
                    jsConsumerInfo_Destroy(ci);
                } else if (cerr == JSConsumerNotFoundErr || cerr == JSStreamNotFoundErr) {
                    natsSubscription_Destroy(sub); // the loop above makes both again
                    sub = nullptr;
                }
            }
            continue;
        }
        if (++failures >= 5 && nats_.connected()) {
            natsSubscription_Destroy(sub);
            sub = nullptr;
            failures = 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (sub) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
}

void Worker::heartbeat_loop() {
    while (!stop_ || busy_ > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::lock_guard lock(active_mutex_);
        for (natsMsg* m : active_) natsMsg_InProgress(m, nullptr);
    }
}

void Worker::handle(natsMsg* msg) {
    uint64_t delivered = 1;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        delivered = meta->NumDelivered;
        jsMsgMetaData_Destroy(meta);
    }
    Job job;
    try {
        job = decode_job(std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
    } catch (const Error& e) {
        spdlog::error("dropping a malformed job: {}", e.what());
        natsMsg_Term(msg, nullptr);
        return;
    }
    if (delivered > 1) ++redelivered_;
    ++busy_;
    {
        std::lock_guard lock(active_mutex_);
        active_.insert(msg);
    }
    begin_vips_job();
    Result r;
    try {
        r = run(job, delivered);
    } catch (const Error& e) {
        r.ok = false;
        r.code = e.code();
        r.message = e.what();
    } catch (const std::exception& e) {
        spdlog::error("job {} ({}) failed: {}", job.key, job.request_id, e.what());
        r.ok = false;
        r.code = ErrorCode::internal;
        r.message = "the image could not be processed";
    }
    end_vips_job();
    {
        std::lock_guard lock(active_mutex_);
        active_.erase(msg);
    }
    r.key = job.key;
    r.worker = name_;
    if (!r.ok) ++failed_;
    // Answer first, acknowledge second: a node that finds the job still queued and missed this
    // answer looks in the store, where the result already is.
    nats_.publish(names_.done_subject(job.key), encode(r));
    natsMsg_Ack(msg, nullptr);
    --busy_;
}

Result Worker::run(const Job& job, uint64_t delivered) {
    if (unix_ms_now() > job.deadline_ms) {
        ++expired_;
        if (job.kind == Job::Kind::ingest) storage_.remove(job.staging);
        throw Error(ErrorCode::timeout, "the job waited past its deadline");
    }
    if (delivered > kMaxDeliveries) {
        if (job.kind == Job::Kind::ingest) storage_.remove(job.staging);
        throw Error(ErrorCode::internal, "the image could not be processed (it failed on " +
                                             std::to_string(kMaxDeliveries) + " workers)");
    }
    Config config = config_;
    config.limits = job.limits;
    config.output = job.output;
    ImageService images(storage_, config, &image_metrics_);
    Result r;
    r.ok = true;
    if (job.kind == Job::Kind::transform) {
        const Chain chain = parse_chain({job.chain}, job.limits.max_ops);
        const auto t = images.transform(job.original, chain);
        if (t.created) ++transforms_;
        r.info = t.info;
        // Redelivered: an earlier worker may have stored it and died before answering.
        r.created = t.created || delivered > 1;
        return r;
    }
    if (auto stored = storage_.head(job.key)) { // stored by a worker that died before answering
        storage_.remove(job.staging);
        r.info = *stored;
        r.created = true;
        return r;
    }
    LocalFile upload;
    try {
        upload = storage_.local_file(job.staging);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::not_found) throw;
        throw Error(ErrorCode::internal, "the upload was lost before it was checked; send it again");
    }
    try {
        r.info = images.check_upload(upload.path, job.key, job.size, job.etag, job.filename);
    } catch (...) {
        storage_.remove(job.staging);
        throw;
    }
    storage_.put_file(r.info, upload.path); // a local store moves the staged blob into place
    storage_.remove(job.staging);
    ++ingests_;
    r.created = true;
    return r;
}

std::string Worker::health_json() const {
    const auto c = storage_.counts();
    return nlohmann::json{{"status", nats_.connected() ? "ok" : "nats_unavailable"},
                          {"worker", name_},
                          {"threads", config_.cluster.worker_threads},
                          {"busy", busy_.load()},
                          {"transforms", transforms_.load()},
                          {"ingests", ingests_.load()},
                          {"failed", failed_.load()},
                          {"redelivered", redelivered_.load()},
                          {"storage_requests",
                           {{"head", c.head}, {"get", c.get}, {"put", c.put}, {"delete", c.remove}}},
                          {"cache", {{"hits", c.cache_hits}, {"bytes", c.cache_bytes}, {"files", c.cache_files}}}}
        .dump();
}

} // namespace imgpipe::cluster
