#pragma once

#include "cli/import_walk.h"

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace imgpipe::cli {

// Set by the import's signal handler (and by a refusal no later upload can escape): `stop` lets
// uploads in flight finish and starts no more; `abort` cuts the ones in flight too.
struct StopFlags {
    std::atomic<bool> stop{false};
    std::atomic<bool> abort{false};
};

struct UploadOutcome {
    enum class Status { uploaded, failed, abandoned }; // abandoned: stopped before an answer, not recorded
    Status status = Status::failed;
    std::string id, etag;       // uploaded
    std::string error, message; // failed: the server's error code and message, or one of ours:
                                // unreadable, changed, connection_failed, http_<status>, bad_answer
    long http_status = 0;       // 0 when no answer came
    bool stops_import = false;  // no later upload can succeed: the key is refused, the store is full,
                                // the server is gone
};

struct ServerTarget {
    std::string base;    // http(s)://host[:port][/prefix], no trailing slash
    std::string api_key; // empty: no Authorization header
    int retries = 10;    // per file, after 429/502/503/504 answers and connection errors
};

// GET <base>/ops: whether uploads need an API key. Throws std::runtime_error when the server cannot
// be reached or does not answer as imgpipe does.
bool uploads_need_key(const std::string& base);

// Uploads files one at a time on one connection it keeps (one Uploader per thread). The file is
// streamed from disk. Bytes handed to the connection are added to `bytes_sent` as they go and
// taken back when the attempt ends, so the caller counts a finished file once, by its size.
class Uploader {
public:
    Uploader(const ServerTarget& target, const StopFlags& flags, std::atomic<std::uint64_t>& bytes_sent);
    ~Uploader();
    Uploader(const Uploader&) = delete;
    Uploader& operator=(const Uploader&) = delete;

    UploadOutcome upload(const ImportFile& file);

private:
    struct Attempt;
    Attempt attempt(const ImportFile& file);
    bool pause(double seconds) const; // false when the import stops meanwhile

    const ServerTarget& target_;
    const StopFlags& flags_;
    std::atomic<std::uint64_t>& bytes_sent_;
    CURL* curl_; // kept across files: one connection, kept alive
};

} // namespace imgpipe::cli
