#include "e2e/hostile_inputs.h"

#include "support/test_images.h"

#include <cstdint>
#include <stdexcept>
#include <vips/vips8>

namespace imgpipe::e2e::hostile {

namespace {

using vips::VImage;

std::string encode(int w, int h, const std::string& suffix) {
    return test::encode(test::photo_like(w, h), suffix);
}

uint32_t crc32(const std::string& data, size_t from, size_t to) {
    uint32_t c = 0xffffffffu;
    for (size_t i = from; i < to; ++i) {
        c ^= static_cast<unsigned char>(data[i]);
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

void put_be32(std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (24 - 8 * i));
}
void put_be16(std::string& s, size_t at, uint32_t v) {
    s[at] = static_cast<char>(v >> 8);
    s[at + 1] = static_cast<char>(v);
}
void put_le16(std::string& s, size_t at, uint32_t v) {
    s[at] = static_cast<char>(v);
    s[at + 1] = static_cast<char>(v >> 8);
}
void put_le32(std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}
uint32_t le16(const std::string& s, size_t at) {
    return static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8;
}
uint32_t le32(const std::string& s, size_t at) { return le16(s, at) | le16(s, at + 2) << 16; }

} // namespace

std::string jpeg(int w, int h) { return encode(w, h, ".jpg"); }
std::string png(int w, int h) { return encode(w, h, ".png"); }
std::string webp(int w, int h) { return encode(w, h, ".webp"); }
std::string gif(int w, int h) { return encode(w, h, ".gif"); }
std::string tiff(int w, int h) { return encode(w, h, ".tif"); }
std::string avif(int w, int h) { return encode(w, h, ".avif[effort=0]"); }

std::string truncated(const std::string& bytes, double keep) {
    return bytes.substr(0, static_cast<size_t>(static_cast<double>(bytes.size()) * keep));
}

std::string corrupted(const std::string& bytes, size_t keep_head) {
    std::string out = bytes;
    for (size_t i = keep_head; i + 16 < out.size(); i += 5) out[i] = static_cast<char>(out[i] ^ 0xa5);
    return out;
}

std::string png_declaring(int w, int h) {
    std::string s = png(16, 16);
    // Signature (8), then IHDR: length (4) "IHDR" (4) width (4) height (4) ... CRC over type+data.
    put_be32(s, 16, static_cast<uint32_t>(w));
    put_be32(s, 20, static_cast<uint32_t>(h));
    put_be32(s, 29, crc32(s, 12, 29));
    return s;
}

std::string jpeg_declaring(int w, int h) {
    std::string s = jpeg(16, 16);
    for (size_t i = 2; i + 9 < s.size(); ++i) {
        const auto m = static_cast<unsigned char>(s[i + 1]);
        if (static_cast<unsigned char>(s[i]) == 0xff && (m == 0xc0 || m == 0xc1 || m == 0xc2)) {
            put_be16(s, i + 5, static_cast<uint32_t>(h)); // SOFn: length(2) precision(1) height width
            put_be16(s, i + 7, static_cast<uint32_t>(w));
            return s;
        }
    }
    throw std::runtime_error("no SOF marker");
}

std::string gif_declaring(int w, int h) {
    std::string s = gif(16, 16);
    put_le16(s, 6, static_cast<uint32_t>(w)); // logical screen
    put_le16(s, 8, static_cast<uint32_t>(h));
    // The first image descriptor (0x2c) too: left(2) top(2) width(2) height(2).
    for (size_t i = 13; i + 9 < s.size(); ++i) {
        if (s[i] == 0x2c && s[i - 1] == 0x00) {
            put_le16(s, i + 5, static_cast<uint32_t>(w));
            put_le16(s, i + 7, static_cast<uint32_t>(h));
            break;
        }
    }
    return s;
}

std::string tiff_declaring(int w, int h) {
    std::string s = encode(16, 16, ".tif[compression=deflate]");
    if (s.substr(0, 2) != "II") throw std::runtime_error("expected a little-endian TIFF");
    const uint32_t ifd = le32(s, 4);
    const uint32_t entries = le16(s, ifd);
    for (uint32_t e = 0; e < entries; ++e) {
        const size_t at = ifd + 2 + 12 * e;
        const uint32_t tag = le16(s, at), type = le16(s, at + 2);
        if (tag != 256 && tag != 257) continue;
        const uint32_t v = static_cast<uint32_t>(tag == 256 ? w : h);
        if (type == 3) put_le16(s, at + 8, v); // SHORT
        else put_le32(s, at + 8, v);           // LONG
    }
    return s;
}

std::string gif_with_frames(int frames) {
    VImage strip = test::quadrants(8, 8 * frames).copy();
    strip.set("page-height", 8);
    return test::encode(strip, ".gif");
}

std::string cmyk_jpeg(int w, int h) {
    // Pure red in CMYK (0% cyan, 100% magenta and yellow), inverted as Adobe writes CMYK JPEGs.
    VImage cmyk = VImage::black(w, h, VImage::option()->set("bands", 4))
                      .new_from_image({0, 255, 255, 0})
                      .cast(VIPS_FORMAT_UCHAR)
                      .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_CMYK));
    return test::encode(cmyk, ".jpg");
}

std::string png16(int w, int h) {
    VImage img = (test::quadrants(w, h).cast(VIPS_FORMAT_USHORT) * 257)
                     .cast(VIPS_FORMAT_USHORT)
                     .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_RGB16));
    return test::encode(img, ".png");
}

std::string bmp(int w, int h) {
    const uint32_t row = static_cast<uint32_t>((w * 3 + 3) / 4 * 4);
    std::string s(54 + row * static_cast<uint32_t>(h), '\0');
    s[0] = 'B';
    s[1] = 'M';
    put_le32(s, 2, static_cast<uint32_t>(s.size()));
    put_le32(s, 10, 54);
    put_le32(s, 14, 40);
    put_le32(s, 18, static_cast<uint32_t>(w));
    put_le32(s, 22, static_cast<uint32_t>(h));
    put_le16(s, 26, 1);
    put_le16(s, 28, 24);
    return s;
}

std::string ppm(int w, int h) {
    return "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n" +
           std::string(static_cast<size_t>(w * h * 3), '\x80');
}

} // namespace imgpipe::e2e::hostile
