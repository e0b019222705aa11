#include "cluster/jobs.h"

#include "core/hash.h"

#include <nlohmann/json.hpp>

#include <chrono>

namespace imgpipe::cluster {

using nlohmann::json;

std::string encode(const Job& job) {
    json j{{"kind", job.kind == Job::Kind::ingest ? "ingest" : "transform"},
           {"key", job.key},
           {"request_id", job.request_id},
           {"deadline_ms", job.deadline_ms},
           {"limits", job.limits},
           {"output", job.output}};
    if (job.kind == Job::Kind::transform) {
        j["original"] = job.original;
        j["chain"] = job.chain;
    } else {
        j["staging"] = job.staging;
        j["size"] = job.size;
        j["etag"] = job.etag;
        j["filename"] = job.filename;
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Job decode_job(std::string_view data) {
    try {
        const json j = json::parse(data);
        Job job;
        job.kind = j.at("kind") == "ingest" ? Job::Kind::ingest : Job::Kind::transform;
        job.key = j.at("key");
        job.request_id = j.value("request_id", "");
        job.deadline_ms = j.at("deadline_ms");
        job.limits = j.at("limits").get<LimitsConfig>();
        job.output = j.at("output").get<OutputConfig>();
        if (job.kind == Job::Kind::transform) {
            job.original = j.at("original").get<ObjectInfo>();
            job.chain = j.at("chain");
        } else {
            job.staging = j.at("staging");
            job.size = j.at("size");
            job.etag = j.at("etag");
            job.filename = j.at("filename");
        }
        return job;
    } catch (const json::exception& e) {
        throw Error(ErrorCode::bad_request, std::string("malformed job: ") + e.what());
    }
}

std::string encode(const Result& r) {
    json j{{"key", r.key}, {"ok", r.ok}, {"worker", r.worker}};
    if (r.ok) {
        j["info"] = r.info;
        j["created"] = r.created;
    } else {
        j["code"] = std::string(error_code_name(r.code));
        j["message"] = r.message;
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Result> decode_result(std::string_view data) {
    try {
        const json j = json::parse(data);
        Result r;
        r.key = j.at("key");
        r.ok = j.at("ok");
        r.worker = j.value("worker", "");
        if (r.ok) {
            r.info = j.at("info").get<ObjectInfo>();
            r.created = j.value("created", false);
        } else {
            r.code = error_code_from_name(j.at("code").get<std::string>());
            r.message = j.at("message");
        }
        return r;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

Names::Names(std::string name)
    : stream(name + "_jobs"), consumer(name + "_workers"), kv(name + "_cluster"),
      jobs_wildcard(name + ".jobs.*"), done_wildcard(name + ".done.*"), name_(std::move(name)) {}

// Subjects name a key by its hash: ids and chains hold characters NATS subjects cannot ('.', ' ').
std::string Names::job_subject(const std::string& key) const {
    return name_ + ".jobs." + sha256_hex(key).substr(0, 32);
}

std::string Names::done_subject(const std::string& key) const {
    return name_ + ".done." + sha256_hex(key).substr(0, 32);
}

int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace imgpipe::cluster
