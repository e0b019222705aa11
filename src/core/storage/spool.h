#pragma once

#include "core/hash.h"
#include "core/storage/temp_file.h"

#include <cstdint>
#include <filesystem>
#include <future>
#include <string>
#include <string_view>

namespace imgpipe {

// Bytes of an incoming image (upload or link download) written to a temp file as they arrive,
// with their MD5 and count kept on the way, and the byte limit enforced on every append.
//
// What is written is made durable behind the writer, so that the fsync of finish() waits for the
// tail only: an fdatasync whenever kFlushEvery more bytes were written, one at a time, each on a
// thread of its own (the writer goes on meanwhile). A virtual disk may acknowledge writes into the
// host's cache and pay for them at the flush: one fsync of 50 MB at the end took 23-31 ms after the
// data was written, sync_file_range's write-behind notwithstanding, against 0-5 ms once fdatasyncs
// every 8 MB had flushed all but the tail (bench/flush_cost.c, bench/RESULTS.md). Done in the
// writer's thread instead, the flushes slowed the writer by as much as the fsync had taken.
class Spool {
public:
    // The disk writes the file while it arrives (TempFile::write_back_every), and it is flushed
    // every kFlushEvery bytes.
    static constexpr uint64_t kWriteBackBytes = 4 * 1024 * 1024;
    static constexpr uint64_t kFlushEvery = 8 * 1024 * 1024;

    Spool(const std::filesystem::path& dir, uint64_t max_bytes) : file_(dir), max_bytes_(max_bytes) {
        file_.write_back_every(kWriteBackBytes);
    }
    Spool(const Spool&) = delete; // a flush in flight holds `this`
    Spool& operator=(const Spool&) = delete;

    void append(std::string_view data) { // throws Error(payload_too_large), Error(storage_full)
        admit(data.size());
        absorb(data);
    }
    // The two halves of append, for a caller that digests and writes on another thread than the
    // one receiving: admit counts the bytes against the limit as they arrive (throws
    // Error(payload_too_large)); absorb digests and writes them (throws Error(storage_full)), in
    // the order they came, one call at a time; a failed flush behind them (a full disk) surfaces
    // at the next absorb or at finish.
    void admit(size_t n);
    void absorb(std::string_view data);
    // Waits for the flush in flight, fsync + close; call before handing the file on (a second call
    // does nothing).
    void finish();

    TempFile& file() { return file_; }
    uint64_t size() const { return size_; }
    const std::string& md5_hex() const { return md5_hex_; } // valid after finish()

private:
    void flush_behind();

    TempFile file_;
    Md5 md5_;
    uint64_t size_ = 0;
    uint64_t max_bytes_;
    uint64_t written_ = 0;
    uint64_t flushed_ = 0; // written when the last flush started
    std::string md5_hex_;
    bool finished_ = false;
    // Declared last, so destroyed first: a Spool dropped with a flush in flight waits for it
    // before its file is closed and removed.
    std::future<void> flush_;
};

} // namespace imgpipe
