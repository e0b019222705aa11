// HEIF/AVIF: ISO base media boxes. Every box must fit in its parent, and every item extent the
// 'iloc' box lists (where libheif reads the coded image from) must lie inside the file.
#include "core/formats/containers.h"

#include <string_view>

namespace imgpipe::containers {

namespace {

// Boxes whose payload is a sequence of boxes (after `skip` bytes of version and flags).
int children_offset(std::string_view type) {
    if (type == "meta") return 4;
    if (type == "iprp" || type == "ipco" || type == "dinf" || type == "moov" || type == "trak" ||
        type == "mdia" || type == "minf" || type == "stbl") {
        return 0;
    }
    return -1;
}

uint64_t sized(const FileBytes& f, uint64_t at, unsigned bytes) {
    switch (bytes) {
    case 0: return 0;
    case 4: return f.u32(at, true);
    case 8: return f.u64(at, true);
    default: throw_corrupt("the HEIF 'iloc' box has an invalid field size");
    }
}

// The item locations: offsets are from the start of the file (construction method 0).
void check_iloc(const FileBytes& f, uint64_t pos, uint64_t end) {
    const unsigned version = f.u8(pos);
    pos += 4;
    const unsigned sizes = f.u16(pos, true);
    const unsigned offset_size = sizes >> 12, length_size = (sizes >> 8) & 15, base_size = (sizes >> 4) & 15;
    const unsigned index_size = version >= 1 ? sizes & 15 : 0;
    pos += 2;
    const uint64_t items = version < 2 ? f.u16(pos, true) : f.u32(pos, true);
    pos += version < 2 ? 2 : 4;
    for (uint64_t i = 0; i < items; ++i) {
        if (pos >= end) throw_corrupt("the HEIF 'iloc' box ends early");
        pos += version < 2 ? 2 : 4; // item id
        unsigned method = 0;
        if (version >= 1) {
            method = f.u16(pos, true) & 15;
            pos += 2;
        }
        pos += 2; // data reference index
        const uint64_t base = sized(f, pos, base_size);
        pos += base_size;
        const uint64_t extents = f.u16(pos, true);
        pos += 2;
        if (index_size + offset_size + length_size == 0) continue; // nothing to check, nothing to skip
        for (uint64_t e = 0; e < extents; ++e) {
            if (pos >= end) throw_corrupt("the HEIF 'iloc' box ends early");
            pos += index_size;
            const uint64_t offset = sized(f, pos, offset_size);
            pos += offset_size;
            const uint64_t length = sized(f, pos, length_size);
            pos += length_size;
            if (method == 0 && (base > f.size() || offset > f.size() - base || length > f.size() - base - offset)) {
                throw_corrupt("a HEIF item declares " + std::to_string(length) + " bytes at offset " +
                              std::to_string(base + offset) + ", past the end of the file");
            }
        }
    }
}

void walk(const FileBytes& f, uint64_t pos, uint64_t end, int depth) {
    while (pos < end) {
        if (end - pos < 8) throw_corrupt("a HEIF box header is cut short");
        uint64_t size = f.u32(pos, true);
        const std::string type = f.read(pos + 4, 4);
        uint64_t header = 8;
        if (size == 1) {
            size = f.u64(pos + 8, true);
            header = 16;
        } else if (size == 0) {
            size = end - pos; // to the end of its parent
        }
        if (size < header || size > end - pos) {
            throw_corrupt("the HEIF box '" + type + "' declares " + std::to_string(size) + " bytes where " +
                          std::to_string(end - pos) + " remain");
        }
        const int children = children_offset(type);
        if (children >= 0 && depth < 8) walk(f, pos + header + static_cast<uint64_t>(children), pos + size, depth + 1);
        if (type == "iloc") check_iloc(f, pos + header, pos + size);
        pos += size;
    }
}

} // namespace

void check_isobmff(const FileBytes& f, uint64_t /*max_pixels: libheif's header read applies it*/) {
    walk(f, 0, f.size(), 0);
}

} // namespace imgpipe::containers
