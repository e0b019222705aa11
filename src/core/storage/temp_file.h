#pragma once

#include <filesystem>
#include <string_view>

namespace imgpipe {

// A file in a temp directory that removes itself unless release()d: an upload cut short, a
// failed download or a refused image leaves nothing behind.
class TempFile {
public:
    explicit TempFile(const std::filesystem::path& dir);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    TempFile(TempFile&& other) noexcept;
    TempFile& operator=(TempFile&&) = delete;

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_; }
    void write(std::string_view data); // throws Error(storage_full) on ENOSPC
    // Starts writing what is written so far to the disk, without waiting, every `every` bytes: the
    // fsync at the end then waits for the tail only, not for the whole file at once.
    void write_back_every(uint64_t every) { write_back_every_ = every; }
    // fdatasync while the file is still being written, from another thread than the writer's if
    // need be (it reads nothing the writer changes): the disk then holds most of the file before
    // the last fsync, which waits for the rest. Throws as sync_and_close.
    void sync_data();
    int data_syncs() const { return data_syncs_; } // how many sync_data calls ended
    void sync_and_close();             // fsync, close; the file stays until destruction/release
    void close(bool sync);             // sync_and_close(), or just close for what a crash may lose
    std::filesystem::path release();   // the caller now owns the file

private:
    std::filesystem::path path_;
    int fd_ = -1;
    uint64_t written_ = 0;
    uint64_t written_back_ = 0; // what sync_file_range was asked to start
    uint64_t write_back_every_ = 0;
    int data_syncs_ = 0;
};

} // namespace imgpipe
