// PNG: a signature, then chunks (length, type, data, CRC) from IHDR to IEND.
#include "core/errors.h"
#include "core/formats/containers.h"

#include <zlib.h>

namespace imgpipe::containers {

namespace {

constexpr uint64_t kMaxChunkLength = 0x7fffffff; // the PNG specification's limit
// zTXt, iTXt and iCCP inflate when read; their total is capped (an ICC profile is rarely over
// 1 MB, a text note far less), which also caps the CPU the inflating costs.
constexpr uint64_t kMaxInflatedMetadata = 16ull * 1024 * 1024;

// Inflates the zlib stream in `data`, counting what comes out, up to `budget` bytes; returns the
// count (budget + 1 when it would go over).
uint64_t inflated_size(const std::string& data, uint64_t budget) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) throw Error(ErrorCode::internal, "zlib failed to start");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    unsigned char out[64 * 1024];
    uint64_t total = 0;
    int rc = Z_OK;
    while (rc == Z_OK && total <= budget) {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = inflate(&z, Z_NO_FLUSH);
        total += sizeof out - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_in == 0) break; // a stream cut short: libpng will say so
    }
    inflateEnd(&z);
    return total;
}

// Where the compressed bytes of a zTXt, iTXt or iCCP chunk start, or npos when not compressed.
size_t compressed_start(const std::string& type, const std::string& data) {
    const size_t key_end = data.find('\0');
    if (key_end == std::string::npos) return std::string::npos;
    if (type == "zTXt" || type == "iCCP") return key_end + 2; // keyword, NUL, method
    // iTXt: keyword, NUL, compression flag, method, language tag NUL, translated keyword NUL.
    if (key_end + 2 >= data.size() || data[key_end + 1] == 0) return std::string::npos;
    const size_t lang_end = data.find('\0', key_end + 3);
    const size_t translated_end = lang_end == std::string::npos ? lang_end : data.find('\0', lang_end + 1);
    return translated_end == std::string::npos ? translated_end : translated_end + 1;
}

} // namespace

void check_png(const FileBytes& f, uint64_t max_pixels) {
    uint64_t pos = 8;
    if (f.size() < pos + 8 + 13 + 4 || f.read(pos + 4, 4) != "IHDR" || f.u32(pos, true) != 13) {
        throw_corrupt("a PNG must start with its IHDR chunk");
    }
    const uint64_t width = f.u32(pos + 8, true), height = f.u32(pos + 12, true);
    const unsigned depth = f.u8(pos + 16), colour = f.u8(pos + 17);
    check_pixel_limit(width, height, max_pixels);
    const unsigned channels = colour == 2 ? 3 : colour == 4 ? 2 : colour == 6 ? 4 : 1;
    uint64_t idat = 0, inflated = 0;
    bool end = false;
    while (!end && pos < f.size()) {
        if (f.size() - pos < 12) throw_corrupt("the PNG ends inside a chunk header");
        const uint64_t length = f.u32(pos, true);
        const std::string type = f.read(pos + 4, 4);
        const uint64_t remain = f.size() - pos - 12;
        if (length > kMaxChunkLength || length > remain) {
            throw_corrupt("the PNG chunk '" + type + "' declares " + std::to_string(length) +
                          " bytes where " + std::to_string(remain) + " remain");
        }
        if (type == "IDAT") idat += length;
        if (type == "zTXt" || type == "iTXt" || type == "iCCP") {
            const std::string data = f.read(pos + 8, static_cast<size_t>(length));
            const size_t start = compressed_start(type, data);
            if (start != std::string::npos && start < data.size()) {
                inflated += inflated_size(data.substr(start), kMaxInflatedMetadata - inflated);
                if (inflated > kMaxInflatedMetadata) {
                    throw Error(ErrorCode::image_too_large,
                                "the PNG's compressed metadata (" + type + ") inflates to more than " +
                                    std::to_string(kMaxInflatedMetadata / (1024 * 1024)) + " MB");
                }
            }
        }
        end = type == "IEND";
        pos += 12 + length;
    }
    // Filtered rows (a filter byte each) of the non-interlaced image: the least the IDAT data
    // must inflate to. An interlaced image needs a little more.
    const long double row = static_cast<long double>((width * channels * depth + 7) / 8 + 1);
    const long double raw = static_cast<long double>(height) * row;
    if (static_cast<long double>(idat * kDeflateMaxRatio + 64 * 1024) < raw) {
        throw_corrupt("the PNG's image data (" + std::to_string(idat) + " bytes) cannot hold its " +
                      std::to_string(width) + "x" + std::to_string(height) + " pixels");
    }
}

} // namespace imgpipe::containers
