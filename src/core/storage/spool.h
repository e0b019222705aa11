#pragma once

#include "core/hash.h"
#include "core/storage/temp_file.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace imgpipe {

// Bytes of an incoming image (upload or link download) written to a temp file as they arrive,
// with their MD5 and count kept on the way, and the byte limit enforced on every append.
class Spool {
public:
    // The disk writes the file while it arrives (TempFile::write_back_every): the fsync of
    // finish() then waits for the last few MB, not all of them.
    static constexpr uint64_t kWriteBackBytes = 4 * 1024 * 1024;

    Spool(const std::filesystem::path& dir, uint64_t max_bytes) : file_(dir), max_bytes_(max_bytes) {
        file_.write_back_every(kWriteBackBytes);
    }

    void append(std::string_view data) { // throws Error(payload_too_large), Error(storage_full)
        admit(data.size());
        absorb(data);
    }
    // The two halves of append, for a caller that digests and writes on another thread than the
    // one receiving: admit counts the bytes against the limit as they arrive (throws
    // Error(payload_too_large)); absorb digests and writes them (throws Error(storage_full)), in
    // the order they came, one call at a time.
    void admit(size_t n);
    void absorb(std::string_view data);
    void finish(); // fsync + close; call before handing the file on (a second call does nothing)

    TempFile& file() { return file_; }
    uint64_t size() const { return size_; }
    const std::string& md5_hex() const { return md5_hex_; } // valid after finish()

private:
    TempFile file_;
    Md5 md5_;
    uint64_t size_ = 0;
    uint64_t max_bytes_;
    std::string md5_hex_;
    bool finished_ = false;
};

} // namespace imgpipe
