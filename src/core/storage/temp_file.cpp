#include "core/storage/temp_file.h"

#include "core/errors.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>
#include <utility>

namespace imgpipe {

TempFile::TempFile(const std::filesystem::path& dir) {
    std::string tmpl = (dir / "upload-XXXXXX").string();
    fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd_ < 0) {
        throw std::runtime_error("cannot create a temp file in " + dir.string() + ": " +
                                 std::strerror(errno));
    }
    path_ = tmpl;
}

TempFile::TempFile(TempFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
    other.path_.clear();
}

TempFile::~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
}

void TempFile::write(std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            if (errno == ENOSPC || errno == EDQUOT) {
                throw Error(ErrorCode::storage_full, "the server has no space left for this image");
            }
            throw std::runtime_error(std::string("temp file write failed: ") + std::strerror(errno));
        }
        data.remove_prefix(static_cast<size_t>(n));
        written_ += static_cast<uint64_t>(n);
    }
    if (write_back_every_ > 0 && written_ - written_back_ >= write_back_every_) {
        // Advice only: an error here (none is expected) shows again at the fsync.
        (void)::sync_file_range(fd_, static_cast<off_t>(written_back_), static_cast<off_t>(written_ - written_back_),
                                SYNC_FILE_RANGE_WRITE);
        written_back_ = written_;
    }
}

namespace {
[[noreturn]] void throw_sync_error(const char* call, int error) {
    if (error == ENOSPC || error == EDQUOT) {
        throw Error(ErrorCode::storage_full, "the server has no space left for this image");
    }
    throw std::runtime_error(std::string(call) + " failed: " + std::strerror(error));
}
} // namespace

void TempFile::sync_data() {
    const int rc = ::fdatasync(fd_);
    ++data_syncs_;
    if (rc != 0) throw_sync_error("fdatasync", errno);
}

void TempFile::sync_and_close() {
    if (fd_ < 0) return;
    const int rc = ::fsync(fd_);
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (rc != 0) throw_sync_error("fsync", error);
}

void TempFile::close(bool sync) {
    if (sync) return sync_and_close();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::filesystem::path TempFile::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return std::exchange(path_, {});
}

} // namespace imgpipe
