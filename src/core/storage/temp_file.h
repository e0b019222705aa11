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
    void sync_and_close();             // fsync, close; the file stays until destruction/release
    void close(bool sync);             // sync_and_close(), or just close for what a crash may lose
    std::filesystem::path release();   // the caller now owns the file

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

} // namespace imgpipe
