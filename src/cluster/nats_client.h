#pragma once

#include "cluster/jobs.h"

#include <nats/nats.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <string>

namespace imgpipe::cluster {

// One connection to NATS with JetStream, shared by the threads of a process. cnats reconnects by
// itself, forever; `connected()` says whether it is connected right now, so that callers can refuse
// work at once while the broker is away instead of waiting on a dead connection.
class NatsClient {
public:
    // Throws std::runtime_error naming the URL when the first connection fails.
    NatsClient(const std::string& url, const std::string& client_name);
    ~NatsClient();
    NatsClient(const NatsClient&) = delete;
    NatsClient& operator=(const NatsClient&) = delete;

    bool connected() const;
    natsConnection* connection() { return conn_; }
    jsCtx* jetstream() { return js_; }
    const std::string& url() const { return url_; }

    // Creates the job stream and the workers' consumer; `update` also applies `queue` to an
    // existing stream (API nodes own that setting, workers only create what is missing). `queue`
    // bounds the jobs the stream holds, running or waiting. Throws std::runtime_error.
    void ensure_jobs(const Names& names, int queue, bool update);

    enum class Published { queued, already_queued, full, unavailable };
    // Publishes a job on JetStream: `already_queued` when a job for the same key is waiting or
    // running (one message per subject), `full` when the stream holds `queue` jobs.
    Published publish_job(const std::string& subject, const std::string& payload);
    // Core NATS publish (results); false when not connected.
    bool publish(const std::string& subject, const std::string& payload);

    // The value of `key` in the cluster's KV bucket; `value` is stored first if there is none.
    std::string kv_get_or_create(const Names& names, const std::string& key, const std::string& value);

private:
    Published publish_once(const std::string& subject, const std::string& payload, bool& stream_missing);

    std::string url_;
    std::mutex ensure_mutex_;
    std::optional<std::pair<Names, int>> jobs_; // what ensure_jobs made, to make again if lost
    natsConnection* conn_ = nullptr;
    jsCtx* js_ = nullptr;
};

// The last cnats error of this thread, for messages.
std::string nats_error(natsStatus s);

} // namespace imgpipe::cluster
