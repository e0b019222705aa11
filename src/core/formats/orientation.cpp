#include "core/formats/orientation.h"

#include "core/formats/file_bytes.h"

#include <cctype>

namespace imgpipe {

namespace {
int valid(long v) { return v >= 1 && v <= 8 ? static_cast<int>(v) : 1; }

unsigned read(std::string_view s, size_t at, size_t n, bool big_endian) {
    unsigned v = 0;
    for (size_t i = 0; i < n; ++i) {
        const auto byte = static_cast<unsigned char>(s[at + (big_endian ? i : n - 1 - i)]);
        v = (v << 8) | byte;
    }
    return v;
}
} // namespace

int xmp_orientation(std::string_view xmp) {
    const size_t at = xmp.find("tiff:Orientation");
    if (at == std::string_view::npos) return 1;
    size_t i = at + 16;
    // Attribute: ="6" or ='6'; element: >6<. Skip spaces and the punctuation up to the digit.
    while (i < xmp.size() && (xmp[i] == ' ' || xmp[i] == '=' || xmp[i] == '"' || xmp[i] == '\'' || xmp[i] == '>')) ++i;
    if (i >= xmp.size() || !std::isdigit(static_cast<unsigned char>(xmp[i]))) return 1;
    if (i + 1 < xmp.size() && std::isdigit(static_cast<unsigned char>(xmp[i + 1]))) return 1; // 10 or more
    return valid(xmp[i] - '0');
}

int exif_orientation(std::string_view exif) {
    if (exif.substr(0, 6) == std::string_view("Exif\0\0", 6)) exif.remove_prefix(6);
    if (exif.size() < 8) return 1;
    const bool be = exif.substr(0, 2) == "MM";
    if (!be && exif.substr(0, 2) != "II") return 1;
    const size_t ifd = read(exif, 4, 4, be);
    if (ifd + 2 > exif.size()) return 1;
    const size_t entries = read(exif, ifd, 2, be);
    for (size_t i = 0; i < entries; ++i) {
        const size_t e = ifd + 2 + 12 * i;
        if (e + 12 > exif.size()) return 1;
        if (read(exif, e, 2, be) == 0x0112 && read(exif, e + 2, 2, be) == 3) return valid(read(exif, e + 8, 2, be));
    }
    return 1;
}

int png_exif_orientation(const std::string& path) {
    const FileBytes f(path);
    uint64_t pos = 8;
    while (pos + 12 <= f.size()) {
        const uint64_t length = f.u32(pos, true);
        const std::string type = f.read(pos + 4, 4);
        if (type == "eXIf") return exif_orientation(f.read(pos + 8, static_cast<size_t>(length)));
        if (type == "IEND") break;
        pos += 12 + length;
    }
    return 1;
}

bool tiff_has_orientation_tag(const std::string& path) {
    const FileBytes f(path);
    const bool be = f.read(0, 2) == "MM", big = f.u16(2, be) == 43;
    const uint64_t ifd = big ? f.u64(8, be) : f.u32(4, be);
    const uint64_t count = big ? f.u64(ifd, be) : f.u16(ifd, be);
    const uint64_t first = ifd + (big ? 8 : 2), size = big ? 20 : 12;
    for (uint64_t i = 0; i < count && first + (i + 1) * size <= f.size(); ++i) {
        if (f.u16(first + i * size, be) == 274) return true;
    }
    return false;
}

} // namespace imgpipe
