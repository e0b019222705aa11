#pragma once

#include "cli/import_upload.h"
#include "cli/import_walk.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace imgpipe::cli {

// The import's record, one JSON line per finished file:
//   {"path": "/abs/a.jpg", "size": 1234, "mtime_ns": 1796..., "status": "uploaded", "id": "...", "etag": "\"...\""}
//   {"path": ..., "size": ..., "mtime_ns": ..., "status": "failed", "error": "payload_too_large",
//    "message": "...", "http_status": 413}
// Appended with one write(2) per line, so a killed import loses only the files it had in flight.
// A later line about a path replaces the earlier ones.
class Manifest {
public:
    // Reads what earlier runs recorded and opens the file for appending (creating it), locked
    // against a second import writing it at once. Throws std::runtime_error.
    explicit Manifest(const std::string& path);
    ~Manifest();
    Manifest(const Manifest&) = delete;
    Manifest& operator=(const Manifest&) = delete;

    // Whether an earlier run uploaded this file as it is now: same path, size and modification time.
    bool uploaded(const ImportFile& file) const;
    void record(const ImportFile& file, const UploadOutcome& outcome);

    const std::string& path() const { return path_; }
    size_t bad_lines() const { return bad_lines_; } // lines of earlier runs that did not parse

private:
    std::string path_;
    int fd_ = -1;
    std::map<std::string, std::pair<std::uint64_t, std::int64_t>> uploaded_; // path (as written) -> size, mtime
    size_t bad_lines_ = 0;
    std::mutex mutex_;
};

} // namespace imgpipe::cli
