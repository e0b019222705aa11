#include "e2e/tiny_bombs.h"

#include "support/test_images.h"

#include <zlib.h>

#include <stdexcept>
#include <vips/vips8>

namespace imgpipe::e2e::bombs {

namespace {

constexpr uint32_t kHuge = 0x7ff00000; // about 2 GB

std::string be32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string be16(uint32_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string le32(uint32_t v) {
    return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}
std::string le16(uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }

std::string zlib_of(const std::string& data) {
    uLongf size = compressBound(data.size());
    std::string out(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                  data.size(), 9) != Z_OK) {
        throw std::runtime_error("compress2 failed");
    }
    out.resize(size);
    return out;
}

const std::string kPngSignature = "\x89PNG\r\n\x1a\n";

std::string ihdr(uint32_t w, uint32_t h, bool interlaced = false) {
    return png_chunk("IHDR", be32(w) + be32(h) + std::string{8, 2, 0, 0, static_cast<char>(interlaced)});
}

// A chunk whose length field says `declared` while only `data` follows (and a CRC of it).
std::string lying_chunk(const std::string& type, uint32_t declared, const std::string& data) {
    return be32(declared) + png_chunk(type, data).substr(4);
}

std::string png_declaring(uint32_t w, uint32_t h, bool interlaced) {
    return kPngSignature + ihdr(w, h, interlaced) + png_chunk("IDAT", zlib_of(std::string(64, '\0'))) +
           png_chunk("IEND", "");
}

// A libvips-encoded JPEG whose frame header (SOFn) is patched to say `w` x `h` (and `precision`).
std::string jpeg_patched(bool progressive, uint32_t w, uint32_t h, int precision = 8) {
    std::string j = test::encode(test::photo_like(16, 16), progressive ? ".jpg[interlace]" : ".jpg");
    const std::string sof = progressive ? "\xff\xc2" : "\xff\xc0";
    const size_t at = j.find(sof);
    if (at == std::string::npos) throw std::runtime_error("no frame header in the encoded JPEG");
    j[at + 4] = static_cast<char>(precision);
    j.replace(at + 5, 2, be16(h));
    j.replace(at + 7, 2, be16(w));
    return j;
}

std::string webp_small() { return test::encode(test::photo_like(16, 16), ".webp"); }

std::string gif(uint32_t screen_w, uint32_t screen_h, uint32_t w, uint32_t h, const std::string& sub_blocks) {
    return "GIF89a" + le16(screen_w) + le16(screen_h) + std::string("\x80\0\0", 3) + std::string(6, '\0') +
           "\x2c" + le16(0) + le16(0) + le16(w) + le16(h) + std::string(1, '\0') + "\x02" + sub_blocks + "\x3b";
}

// A little-endian TIFF: one IFD of (tag, type, count, value) entries; values that do not fit in
// four bytes are given as `data` and placed after the IFD.
struct TiffEntry {
    uint16_t tag, type;
    uint32_t count, value;
    std::string data;
};

std::string tiff(std::vector<TiffEntry> entries, const std::string& pixels) {
    const uint32_t ifd_size = 2 + 12 * static_cast<uint32_t>(entries.size()) + 4;
    uint32_t next = 8 + ifd_size;
    std::string out = std::string("II*\0", 4) + le32(8), data;
    out += le16(static_cast<uint32_t>(entries.size()));
    for (auto& e : entries) {
        out += le16(e.tag) + le16(e.type) + le32(e.count);
        if (!e.data.empty()) {
            out += le32(next);
            data += e.data;
            next += static_cast<uint32_t>(e.data.size());
        } else {
            out += e.type == 3 ? le16(e.value) + le16(0) : le32(e.value);
        }
    }
    out += le32(0) + data;
    const uint32_t pixels_at = static_cast<uint32_t>(out.size());
    std::string file = out + pixels;
    // A StripOffsets (273) entry given as 0 points at the pixels.
    for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].tag == 273 && entries[i].value == 0 && entries[i].data.empty()) {
            file.replace(8 + 2 + 12 * i + 8, 4, le32(pixels_at));
        }
    }
    return file;
}

// A 16x16 (or w x h) 8-bit grey uncompressed TIFF with one strip.
std::vector<TiffEntry> grey_tiff_entries(uint32_t w, uint32_t h, uint32_t strip_bytes) {
    return {{256, 4, 1, w, ""},   {257, 4, 1, h, ""},   {258, 3, 1, 8, ""},
            {259, 3, 1, 1, ""},   {262, 3, 1, 1, ""},   {273, 4, 1, 0, ""},
            {277, 3, 1, 1, ""},   {278, 4, 1, h, ""},   {279, 4, 1, strip_bytes, ""}};
}

std::string box(const std::string& type, const std::string& payload) {
    return be32(static_cast<uint32_t>(8 + payload.size())) + type + payload;
}

std::string ftyp(const std::string& major, const std::string& compatible) {
    return box("ftyp", major + be32(0) + compatible);
}

} // namespace

std::string png_chunk(const std::string& type, const std::string& data) {
    const std::string body = type + data;
    const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size()));
    return be32(static_cast<uint32_t>(data.size())) + body + be32(crc);
}

std::string png_with(const std::string& extra) {
    return kPngSignature + ihdr(16, 16) + extra + png_chunk("IDAT", zlib_of(std::string(16 * 49, '\0'))) +
           png_chunk("IEND", "");
}

std::vector<Bomb> tiny_bombs() {
    std::vector<Bomb> out;
    const std::string corrupt = "undecodable_image";
    for (const std::string type : {"tEXt", "iTXt", "zTXt", "pCAL", "sCAL", "sPLT", "iCCP", "eXIf", "tIME", "IDAT",
                                   "prVt"}) {
        out.push_back({"PngChunk_" + type, kPngSignature + ihdr(16, 16) + lying_chunk(type, kHuge, "key\0value"),
                       422, corrupt});
    }
    out.push_back({"PngChunkLengthOver2To31", kPngSignature + ihdr(16, 16) + lying_chunk("tEXt", 0xfffffff0u, "a"),
                   422, corrupt});
    out.push_back({"PngZtxtInflatingPastTheCap",
                   png_with(png_chunk("zTXt", std::string("Comment\0\0", 9) + zlib_of(std::string(20 << 20, 'a')))),
                   413, "image_too_large"});
    out.push_back({"PngDeclaring7000x7000", png_declaring(7000, 7000, false), 422, corrupt});
    out.push_back({"PngInterlacedDeclaring7000x7000", png_declaring(7000, 7000, true), 422, corrupt});

    std::string app1 = "\xff\xd8\xff\xe1" + be16(0xfff0) + std::string("Exif\0\0", 6) + std::string(40, 'x');
    out.push_back({"JpegSegmentPastTheEnd", app1, 422, corrupt});
    out.push_back({"JpegProgressiveDeclaring7000x7000", jpeg_patched(true, 7000, 7000), 422, corrupt});
    out.push_back({"JpegBaselineDeclaring7000x7000", jpeg_patched(false, 7000, 7000), 422, corrupt});

    std::string riff = webp_small();
    riff.replace(4, 4, le32(kHuge));
    out.push_back({"WebpRiffSizePastTheEnd", riff, 422, corrupt});
    std::string chunk = webp_small();
    chunk.replace(16, 4, le32(kHuge));
    out.push_back({"WebpChunkPastTheEnd", chunk, 422, corrupt});

    out.push_back({"GifDeclaring7000x7000", gif(7000, 7000, 7000, 7000, "\x02\x4c\x01" + std::string(1, '\0')),
                   422, corrupt});
    out.push_back({"GifSubBlockPastTheEnd", gif(16, 16, 16, 16, "\xff" + std::string(10, 'x')), 422, corrupt});

    out.push_back({"TiffDeclaring7000x7000", tiff(grey_tiff_entries(7000, 7000, 100), std::string(100, 'x')),
                   422, corrupt});
    out.push_back({"TiffStripPastTheEnd", tiff(grey_tiff_entries(16, 16, kHuge), std::string(256, 'x')), 422,
                   corrupt});
    auto many = grey_tiff_entries(16, 16, 256);
    many[5] = {273, 4, 0x10000000, 0, ""}; // 268 million strip offsets, "stored" past the end
    out.push_back({"TiffTagCountPastTheEnd", tiff(many, std::string(256, 'x')), 422, corrupt});
    auto entries_past = std::string("\x00\xf0", 2); // an IFD of 61440 entries in a 300-byte file
    std::string dir_bomb = tiff(grey_tiff_entries(16, 16, 256), std::string(256, 'x'));
    dir_bomb.replace(8, 2, entries_past);
    out.push_back({"TiffDirectoryPastTheEnd", dir_bomb, 422, corrupt});

    out.push_back({"HeifBoxPastTheEnd", ftyp("heic", "mif1heic") + be32(kHuge) + "meta" + std::string(40, '\0'),
                   422, corrupt});
    const std::string iloc = box("iloc", std::string(4, '\0') + std::string("\x44\x00", 2) + be16(1) + be16(1) + be16(0) + be16(1) +
                                             be32(100) + be32(kHuge));
    out.push_back({"HeifItemPastTheEnd", ftyp("heic", "mif1heic") + box("meta", std::string(4, '\0') + iloc), 422,
                   corrupt});
    // Recognisably HEIF by a brand other than the major one, damaged: corrupt, not "not an image".
    out.push_back({"HeifSequenceBrandDamaged", ftyp("msf1", "msf1heic") + box("meta", std::string(30, '\x01')),
                   422, corrupt});
    out.push_back({"HeifCompatibleBrandDamaged", ftyp("isom", "isommif1") + box("free", std::string(30, '\x02')),
                   422, corrupt});
    return out;
}

std::vector<Variant> unsupported_variants() {
    std::vector<Variant> out;
    out.push_back({"TwelveBitJpeg", jpeg_patched(false, 16, 16, 12), "12-bit JPEG"});
    auto ojpeg = grey_tiff_entries(16, 16, 256);
    ojpeg[3].value = 6;
    out.push_back({"OldStyleJpegInTiff", tiff(ojpeg, std::string(256, 'x')), "old-style JPEG compression in TIFF"});
    auto twelve = grey_tiff_entries(16, 16, 384);
    twelve[2].value = 12;
    out.push_back({"TwelveBitTiffSamples", tiff(twelve, std::string(384, 'x')), "TIFF with 12-bit samples"});
    auto dng = grey_tiff_entries(16, 16, 256);
    dng.push_back({50706, 1, 4, 0x00000401, ""}); // DNGVersion 1.4.0.0
    out.push_back({"DngCameraRaw", tiff(dng, std::string(256, 'x')), "camera RAW"});
    auto cfa = grey_tiff_entries(16, 16, 256);
    cfa[4].value = 32803;
    out.push_back({"ColourFilterArrayTiff", tiff(cfa, std::string(256, 'x')), "camera RAW"});
    return out;
}

} // namespace imgpipe::e2e::bombs
