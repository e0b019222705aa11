#pragma once

#include <cstdint>
#include <string>

namespace imgpipe {

// Random access to a file's bytes for the container checks, never the whole file in memory: small
// reads are served from a 64 KB window, so that walking a million tiny chunks costs no million
// system calls. Reads past the end come back short.
class FileBytes {
public:
    explicit FileBytes(const std::string& path);
    ~FileBytes();
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;

    uint64_t size() const { return size_; }
    std::string read(uint64_t offset, size_t n) const;

    // The first position at or after `from` whose byte is (find) or is not (skip) `byte`; size()
    // when there is none.
    uint64_t find(uint64_t from, uint8_t byte) const { return scan(from, byte, true); }
    uint64_t skip(uint64_t from, uint8_t byte) const { return scan(from, byte, false); }

    // Fixed-size integers at `offset`; they throw Error(undecodable) when they reach past the end.
    uint8_t u8(uint64_t offset) const;
    uint16_t u16(uint64_t offset, bool big_endian) const;
    uint32_t u32(uint64_t offset, bool big_endian) const;
    uint64_t u64(uint64_t offset, bool big_endian) const;

private:
    // Makes the window hold `offset` (and what follows, up to 64 KB); returns false past the end.
    bool window_at(uint64_t offset) const;
    uint64_t scan(uint64_t from, uint8_t byte, bool equal) const;
    std::string pread_at(uint64_t offset, size_t n) const;

    int fd_ = -1;
    uint64_t size_ = 0;
    mutable std::string window_;
    mutable uint64_t window_at_ = 0;
};

// The public messages of the checks: "the image data is corrupt or truncated: <detail>" and
// "<variant> is not supported".
[[noreturn]] void throw_corrupt(const std::string& detail);
[[noreturn]] void throw_unsupported(const std::string& variant);

// Throws Error(image_too_large) when width x height is over `max_pixels`.
void check_pixel_limit(uint64_t width, uint64_t height, uint64_t max_pixels);

} // namespace imgpipe
