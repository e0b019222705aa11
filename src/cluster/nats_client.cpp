#include "cluster/nats_client.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace imgpipe::cluster {

namespace {

void on_disconnected(natsConnection*, void*) { spdlog::warn("lost the connection to NATS; reconnecting"); }
void on_reconnected(natsConnection*, void*) { spdlog::info("reconnected to NATS"); }
void on_error(natsConnection*, natsSubscription*, natsStatus err, void*) {
    spdlog::warn("NATS: {}", natsStatus_GetText(err));
}

void check(natsStatus s, const std::string& what) {
    if (s != NATS_OK) throw std::runtime_error(what + ": " + nats_error(s));
}

} // namespace

std::string nats_error(natsStatus s) {
    const char* text = nats_GetLastError(nullptr);
    return text && *text ? text : natsStatus_GetText(s);
}

NatsClient::NatsClient(const std::string& url, const std::string& client_name) : url_(url) {
    natsOptions* opts = nullptr;
    check(natsOptions_Create(&opts), "NATS options");
    natsOptions_SetURL(opts, url.c_str());
    natsOptions_SetName(opts, client_name.c_str());
    natsOptions_SetTimeout(opts, 2000);
    natsOptions_SetMaxReconnect(opts, -1);  // forever: the broker coming back is the normal case
    natsOptions_SetReconnectWait(opts, 250);
    natsOptions_SetPingInterval(opts, 1000); // a half-open connection is noticed within ~3 s
    natsOptions_SetMaxPingsOut(opts, 2);
    natsOptions_SetReconnectBufSize(opts, 0); // while disconnected, publishing fails at once
    natsOptions_SetDisconnectedCB(opts, on_disconnected, nullptr);
    natsOptions_SetReconnectedCB(opts, on_reconnected, nullptr);
    natsOptions_SetErrorHandler(opts, on_error, nullptr);
    const natsStatus s = natsConnection_Connect(&conn_, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) throw std::runtime_error("cannot reach NATS at " + url + ": " + nats_error(s));
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 2000;
    check(natsConnection_JetStream(&js_, conn_, &jo), "NATS JetStream");
}

NatsClient::~NatsClient() {
    if (js_) jsCtx_Destroy(js_);
    if (conn_) {
        natsConnection_Close(conn_);
        natsConnection_Destroy(conn_);
    }
}

bool NatsClient::connected() const { return natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED; }

void NatsClient::ensure_jobs(const Names& names, int queue, bool update) {
    const char* subjects[] = {names.jobs_wildcard.c_str()};
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = names.stream.c_str();
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Retention = js_WorkQueuePolicy; // a job leaves the stream when a worker acknowledges it
    sc.Storage = js_FileStorage;       // waiting jobs survive a broker restart
    sc.MaxMsgs = queue;
    sc.Discard = js_DiscardNew;        // full: the publish is refused, the API answers 503
    sc.MaxMsgsPerSubject = 1;          // one job per key: the cluster-wide coalescing
    sc.DiscardNewPerSubject = true;
    sc.MaxAge = 600LL * 1000 * 1000 * 1000; // nobody waits 10 minutes for an answer
    sc.Duplicates = 1000LL * 1000 * 1000;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(nullptr, js_, &sc, nullptr, &jerr);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) {
        s = update ? js_UpdateStream(nullptr, js_, &sc, nullptr, &jerr) : NATS_OK;
    }
    check(s, "cannot create the job stream " + names.stream);

    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = names.consumer.c_str();
    cc.AckPolicy = js_AckExplicit;
    // A worker acknowledges progress every 500 ms; a job of a worker that died is handed to
    // another after AckWait without news: within 1.5 s of its last sign of life.
    cc.AckWait = 1500LL * 1000 * 1000;
    cc.MaxDeliver = -1; // workers answer a job that failed 4 times themselves (see worker.cpp)
    cc.MaxWaiting = 4096;
    cc.FilterSubject = names.jobs_wildcard.c_str();
    s = js_AddConsumer(nullptr, js_, names.stream.c_str(), &cc, nullptr, &jerr);
    if (s != NATS_OK) s = js_UpdateConsumer(nullptr, js_, names.stream.c_str(), &cc, nullptr, &jerr);
    check(s, "cannot create the workers' consumer " + names.consumer);
    std::lock_guard lock(ensure_mutex_);
    jobs_.emplace(names, queue);
}

NatsClient::Published NatsClient::publish_job(const std::string& subject, const std::string& payload) {
    bool stream_missing = false;
    const Published p = publish_once(subject, payload, stream_missing);
    if (!stream_missing) return p;
    // A broker that came back without its storage has no stream: make it again, once.
    std::optional<std::pair<Names, int>> jobs;
    {
        std::lock_guard lock(ensure_mutex_);
        jobs = jobs_;
    }
    if (!jobs) return p;
    try {
        ensure_jobs(jobs->first, jobs->second, false);
    } catch (const std::exception& e) {
        spdlog::warn("{}", e.what());
        return Published::unavailable;
    }
    return publish_once(subject, payload, stream_missing);
}

NatsClient::Published NatsClient::publish_once(const std::string& subject, const std::string& payload,
                                               bool& stream_missing) {
    stream_missing = false;
    if (!connected()) return Published::unavailable;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 2000;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    jsPubAck* ack = nullptr;
    const natsStatus s = js_Publish(&ack, js_, subject.c_str(), payload.data(),
                                    static_cast<int>(payload.size()), &po, &jerr);
    if (ack) jsPubAck_Destroy(ack);
    if (s == NATS_OK) return Published::queued;
    const std::string text = nats_error(s);
    // Both limits answer the same error code (10077); the description tells them apart.
    if (text.find("per subject") != std::string::npos) return Published::already_queued;
    if (text.find("maximum messages") != std::string::npos) return Published::full;
    stream_missing = s == NATS_NO_RESPONDERS || jerr == JSStreamNotFoundErr;
    spdlog::warn("cannot publish a job: {}", text);
    return Published::unavailable;
}

bool NatsClient::publish(const std::string& subject, const std::string& payload) {
    const natsStatus s = natsConnection_Publish(conn_, subject.c_str(), payload.data(),
                                                static_cast<int>(payload.size()));
    if (s == NATS_OK) natsConnection_FlushTimeout(conn_, 1000);
    return s == NATS_OK;
}

std::string NatsClient::kv_get_or_create(const Names& names, const std::string& key,
                                         const std::string& value) {
    kvStore* kv = nullptr;
    if (js_KeyValue(&kv, js_, names.kv.c_str()) != NATS_OK) {
        kvConfig kc;
        kvConfig_Init(&kc);
        kc.Bucket = names.kv.c_str();
        kc.History = 1;
        kc.StorageType = js_FileStorage;
        check(js_CreateKeyValue(&kv, js_, &kc), "cannot create the KV bucket " + names.kv);
    }
    struct Close {
        kvStore* kv;
        ~Close() { kvStore_Destroy(kv); }
    } close{kv};
    // Create only if absent; whoever lost the race reads the winner's value.
    kvStore_Create(nullptr, kv, key.c_str(), value.data(), static_cast<int>(value.size()));
    kvEntry* entry = nullptr;
    check(kvStore_Get(&entry, kv, key.c_str()), "cannot read " + key + " from " + names.kv);
    std::string out(kvEntry_ValueString(entry));
    kvEntry_Destroy(entry);
    return out;
}

} // namespace imgpipe::cluster
