#include "core/formats/file_bytes.h"

#include "core/errors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imgpipe {

FileBytes::FileBytes(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) throw Error(ErrorCode::internal, "cannot read the image");
    size_ = static_cast<uint64_t>(st.st_size);
}

FileBytes::~FileBytes() {
    if (fd_ >= 0) ::close(fd_);
}

namespace {
constexpr size_t kWindow = 64 * 1024;
}

bool FileBytes::window_at(uint64_t offset) const {
    if (offset >= size_) return false;
    if (offset >= window_at_ && offset < window_at_ + window_.size()) return true;
    window_ = pread_at(offset, kWindow);
    window_at_ = offset;
    return !window_.empty();
}

std::string FileBytes::read(uint64_t offset, size_t n) const {
    if (offset >= size_) return {};
    if (n > size_ - offset) n = static_cast<size_t>(size_ - offset);
    if (n <= kWindow / 2) {
        if (!window_at(offset)) return {};
        if (offset + n > window_at_ + window_.size()) { // runs past the window: move it here
            window_ = pread_at(offset, kWindow);
            window_at_ = offset;
        }
        return window_.substr(static_cast<size_t>(offset - window_at_), n);
    }
    return pread_at(offset, n);
}

uint64_t FileBytes::scan(uint64_t from, uint8_t byte, bool equal) const {
    while (window_at(from)) {
        const auto start = static_cast<size_t>(from - window_at_);
        const size_t at = equal ? window_.find(static_cast<char>(byte), start)
                                : window_.find_first_not_of(static_cast<char>(byte), start);
        if (at != std::string::npos) return window_at_ + at;
        from = window_at_ + window_.size();
    }
    return size_;
}

std::string FileBytes::pread_at(uint64_t offset, size_t n) const {
    if (offset >= size_) return {};
    if (n > size_ - offset) n = static_cast<size_t>(size_ - offset);
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
        if (r <= 0) break;
        got += static_cast<size_t>(r);
    }
    out.resize(got);
    return out;
}

namespace {
uint64_t number(const std::string& b, bool big_endian) {
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) {
        const auto byte = static_cast<uint8_t>(b[big_endian ? i : b.size() - 1 - i]);
        v = (v << 8) | byte;
    }
    return v;
}
} // namespace

uint8_t FileBytes::u8(uint64_t offset) const {
    const std::string b = read(offset, 1);
    if (b.size() != 1) throw_corrupt("the file ends early");
    return static_cast<uint8_t>(b[0]);
}

uint16_t FileBytes::u16(uint64_t offset, bool big_endian) const {
    const std::string b = read(offset, 2);
    if (b.size() != 2) throw_corrupt("the file ends early");
    return static_cast<uint16_t>(number(b, big_endian));
}

uint32_t FileBytes::u32(uint64_t offset, bool big_endian) const {
    const std::string b = read(offset, 4);
    if (b.size() != 4) throw_corrupt("the file ends early");
    return static_cast<uint32_t>(number(b, big_endian));
}

uint64_t FileBytes::u64(uint64_t offset, bool big_endian) const {
    const std::string b = read(offset, 8);
    if (b.size() != 8) throw_corrupt("the file ends early");
    return number(b, big_endian);
}

void throw_corrupt(const std::string& detail) {
    throw Error(ErrorCode::undecodable, std::string(kUndecodableMessage) + ": " + detail);
}

void throw_unsupported(const std::string& variant) {
    throw Error(ErrorCode::unsupported_variant, variant + " is not supported");
}

void check_pixel_limit(uint64_t width, uint64_t height, uint64_t max_pixels) {
    const uint64_t pixels = width * height; // each at most 2^32: no overflow
    if (pixels > max_pixels) {
        throw Error(ErrorCode::image_too_large,
                    "the image is " + std::to_string(width) + "x" + std::to_string(height) + " (" +
                        std::to_string(pixels) + " pixels); at most " + std::to_string(max_pixels) +
                        " pixels are accepted");
    }
}

} // namespace imgpipe
