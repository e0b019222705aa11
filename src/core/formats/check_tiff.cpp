// TIFF and BigTIFF: the chain of IFDs, every tag's data inside the file, the strips or tiles of
// the first image (the one decoded) inside the file and large enough for its pixels, and the
// variants libvips' TIFF loader does not read named as such.
#include "core/formats/containers.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace imgpipe::containers {

namespace {

enum Tag : uint16_t {
    kWidth = 256, kHeight = 257, kBitsPerSample = 258, kCompression = 259, kPhotometric = 262,
    kStripOffsets = 273, kSamplesPerPixel = 277, kStripByteCounts = 279, kTileOffsets = 324,
    kTileByteCounts = 325, kDngVersion = 50706,
};

uint64_t type_size(uint16_t type) {
    switch (type) {
    case 1: case 2: case 6: case 7: return 1; // BYTE ASCII SBYTE UNDEFINED
    case 3: case 8: return 2;                 // SHORT SSHORT
    case 4: case 9: case 11: case 13: return 4; // LONG SLONG FLOAT IFD
    case 5: case 10: case 12: case 16: case 17: case 18: return 8; // RATIONAL SRATIONAL DOUBLE LONG8 SLONG8 IFD8
    default: return 0; // unknown types are skipped by libtiff
    }
}

struct Entry {
    uint16_t type = 0;
    uint64_t count = 0;
    uint64_t data = 0; // file offset of the values (inline ones included)
};

class Tiff {
public:
    explicit Tiff(const FileBytes& f) : f_(f), be_(f.read(0, 2) == "MM"), big_(f.u16(2, be_) == 43) {}

    uint64_t first_ifd() const { return big_ ? f_.u64(8, be_) : f_.u32(4, be_); }

    // Reads the IFD at `offset`: its entries by tag, and the offset of the next IFD.
    std::map<uint16_t, Entry> ifd(uint64_t offset, uint64_t& next) const {
        const uint64_t count = big_ ? f_.u64(offset, be_) : f_.u16(offset, be_);
        const uint64_t entry_size = big_ ? 20 : 12, head = big_ ? 8 : 2, inline_size = big_ ? 8 : 4;
        if (count > (f_.size() - offset) / entry_size) {
            throw_corrupt("a TIFF directory declares " + std::to_string(count) + " entries beyond the end of the file");
        }
        std::map<uint16_t, Entry> entries;
        for (uint64_t i = 0; i < count; ++i) {
            const uint64_t e = offset + head + i * entry_size;
            const uint16_t tag = f_.u16(e, be_);
            Entry entry{f_.u16(e + 2, be_), big_ ? f_.u64(e + 4, be_) : f_.u32(e + 4, be_), 0};
            const uint64_t size = type_size(entry.type);
            if (size == 0) continue;
            if (entry.count > f_.size() / size) {
                throw_corrupt("the TIFF tag " + std::to_string(tag) + " declares " + std::to_string(entry.count) +
                              " values, more than the file holds");
            }
            const uint64_t value_at = e + (big_ ? 12 : 8);
            entry.data = entry.count * size <= inline_size ? value_at : (big_ ? f_.u64(value_at, be_) : f_.u32(value_at, be_));
            if (entry.data > f_.size() || entry.count * size > f_.size() - entry.data) {
                throw_corrupt("the TIFF tag " + std::to_string(tag) + " points past the end of the file");
            }
            entries[tag] = entry;
        }
        const uint64_t next_at = offset + head + count * entry_size;
        next = big_ ? f_.u64(next_at, be_) : f_.u32(next_at, be_);
        return entries;
    }

    std::vector<uint64_t> values(const std::map<uint16_t, Entry>& ifd, uint16_t tag, uint64_t fallback) const {
        const auto it = ifd.find(tag);
        if (it == ifd.end() || it->second.count == 0) return {fallback};
        const Entry& e = it->second;
        const uint64_t size = type_size(e.type);
        const std::string bytes = f_.read(e.data, static_cast<size_t>(e.count * size)); // checked: in the file
        std::vector<uint64_t> out(e.count);
        for (uint64_t i = 0; i < e.count; ++i) {
            uint64_t v = 0;
            for (uint64_t b = 0; b < size; ++b) {
                v = (v << 8) | static_cast<uint8_t>(bytes[i * size + (be_ ? b : size - 1 - b)]);
            }
            out[i] = v;
        }
        return out;
    }

private:
    const FileBytes& f_;
    bool be_, big_;
};

// What libvips' TIFF loader reads: these sample sizes, and not old-style JPEG or camera RAW.
void check_supported(const Tiff& t, const FileBytes& f, const std::map<uint16_t, Entry>& ifd) {
    if (f.read(8, 2) == "CR" || ifd.count(kDngVersion) != 0) throw_unsupported("camera RAW (CR2/DNG)");
    const uint64_t photometric = t.values(ifd, kPhotometric, 1).front();
    if (photometric == 32803 || photometric == 34892) throw_unsupported("camera RAW (colour filter array data)");
    if (t.values(ifd, kCompression, 1).front() == 6) throw_unsupported("old-style JPEG compression in TIFF");
    const auto bits = t.values(ifd, kBitsPerSample, 1);
    const std::set<uint64_t> distinct(bits.begin(), bits.end());
    if (distinct.size() > 1) throw_unsupported("TIFF with samples of different sizes");
    const uint64_t b = *distinct.begin();
    if (b != 1 && b != 2 && b != 4 && b != 8 && b != 16 && b != 32 && b != 64) {
        throw_unsupported("TIFF with " + std::to_string(b) + "-bit samples");
    }
}

} // namespace

void check_tiff(const FileBytes& f, uint64_t max_pixels) {
    // The first directory is the image libvips decodes; the others are only counted.
    const Tiff t(f);
    const uint64_t offset = t.first_ifd();
    if (offset < 8 || offset >= f.size()) throw_corrupt("the TIFF's first directory lies outside the file");
    uint64_t next = 0;
    const auto ifd = t.ifd(offset, next);
    const uint64_t width = t.values(ifd, kWidth, 0).front(), height = t.values(ifd, kHeight, 0).front();
    check_pixel_limit(width, height, max_pixels);
    check_supported(t, f, ifd);
    const bool tiled = ifd.count(kTileOffsets) != 0;
    const auto offsets = t.values(ifd, tiled ? kTileOffsets : kStripOffsets, 0);
    const auto counts = t.values(ifd, tiled ? kTileByteCounts : kStripByteCounts, 0);
    uint64_t coded = 0;
    for (size_t i = 0; i < std::min(offsets.size(), counts.size()); ++i) {
        if (offsets[i] > f.size() || counts[i] > f.size() - offsets[i]) {
            throw_corrupt("a TIFF strip or tile lies past the end of the file");
        }
        coded += counts[i];
    }
    // None, LZW, JPEG, deflate and PackBits pack at most about 4096 bytes of samples into one
    // byte of data: less data than that is cut short. (CCITT fax, LZMA, ZSTD can pack more.)
    const uint64_t compression = t.values(ifd, kCompression, 1).front();
    const bool bounded = compression == 1 || compression == 5 || compression == 7 || compression == 8 ||
                         compression == 32946 || compression == 32773;
    const long double raw = static_cast<long double>(width) * static_cast<long double>(height) *
                            static_cast<long double>(t.values(ifd, kBitsPerSample, 1).front()) *
                            static_cast<long double>(t.values(ifd, kSamplesPerPixel, 1).front()) / 8;
    if (bounded && static_cast<long double>(coded) * 4096 + 64 * 1024 < raw) {
        throw_corrupt("the TIFF's image data (" + std::to_string(coded) + " bytes) cannot hold its " +
                      std::to_string(width) + "x" + std::to_string(height) + " pixels");
    }
}

} // namespace imgpipe::containers
