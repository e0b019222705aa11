#include "cluster/jobs.h"

#include "core/hash.h"

#include <nlohmann/json.hpp>

#include <chrono>

namespace imgpipe::cluster {

using nlohmann::json;

namespace {

json limits_json(const LimitsConfig& l) {
    return {{"max_upload_bytes", l.max_upload_bytes}, {"max_source_pixels", l.max_source_pixels},
            {"max_output_width", l.max_output_width}, {"max_output_height", l.max_output_height},
            {"max_ops", l.max_ops}, {"processing_timeout_ms", l.processing_timeout_ms}};
}

json output_json(const OutputConfig& o) {
    return {{"jpeg_quality", o.jpeg_quality}, {"webp_quality", o.webp_quality},
            {"avif_quality", o.avif_quality}, {"avif_effort", o.avif_effort},
            {"png_compression", o.png_compression}};
}

} // namespace

std::string encode(const Job& job) {
    json j{{"kind", job.kind == Job::Kind::ingest ? "ingest" : "transform"},
           {"key", job.key},
           {"request_id", job.request_id},
           {"deadline_ms", job.deadline_ms},
           {"limits", limits_json(job.limits)},
           {"output", output_json(job.output)}};
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
        const json& l = j.at("limits");
        job.limits.max_upload_bytes = l.at("max_upload_bytes");
        job.limits.max_source_pixels = l.at("max_source_pixels");
        job.limits.max_output_width = l.at("max_output_width");
        job.limits.max_output_height = l.at("max_output_height");
        job.limits.max_ops = l.at("max_ops");
        job.limits.processing_timeout_ms = l.at("processing_timeout_ms");
        const json& o = j.at("output");
        job.output.jpeg_quality = o.at("jpeg_quality");
        job.output.webp_quality = o.at("webp_quality");
        job.output.avif_quality = o.at("avif_quality");
        job.output.avif_effort = o.at("avif_effort");
        job.output.png_compression = o.at("png_compression");
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
