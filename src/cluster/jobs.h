#pragma once

#include "core/config.h"
#include "core/errors.h"
#include "core/storage/storage.h"

#include <cstdint>
#include <optional>
#include <string>

namespace imgpipe::cluster {

// What travels through NATS: ids, a canonical chain, a deadline, a request id and the limits the
// API node enforces. Never image bytes: the object store carries those (max_payload 16 KB holds).
struct Job {
    enum class Kind { transform, ingest };
    Kind kind = Kind::transform;
    std::string key;        // the object the job makes: a variant id, or the new original's id
    std::string request_id;
    int64_t deadline_ms = 0; // Unix milliseconds: after this nobody waits for the answer
    // transform
    ObjectInfo original;
    std::string chain; // canonical
    // ingest
    std::string staging;  // where the API node put the upload
    uint64_t size = 0;
    std::string etag;     // quoted MD5 of the upload
    std::string filename;
    LimitsConfig limits;
    OutputConfig output;
};

// The answer, published on the done subject of the job's key (every API node hears it).
struct Result {
    std::string key;
    bool ok = false;
    ObjectInfo info;      // ok
    bool created = false; // ok: this job stored the object
    ErrorCode code = ErrorCode::internal; // !ok
    std::string message;
    std::string worker;
};

std::string encode(const Job& job);
Job decode_job(std::string_view data);      // throws Error(bad_request)
std::string encode(const Result& result);
std::optional<Result> decode_result(std::string_view data);

// The NATS names of a cluster called `name` (--cluster).
struct Names {
    explicit Names(std::string name);
    std::string stream;   // "<name>_jobs": a work-queue stream
    std::string consumer; // "<name>_workers": the durable pull consumer every worker shares
    std::string kv;       // "<name>_cluster": store identity and shared secret
    std::string jobs_wildcard;
    std::string done_wildcard;
    std::string job_subject(const std::string& key) const;  // "<name>.jobs.<hash of key>"
    std::string done_subject(const std::string& key) const; // "<name>.done.<hash of key>"
    const std::string& name() const { return name_; }

private:
    std::string name_;
};

int64_t unix_ms_now();

} // namespace imgpipe::cluster
