// JPEG: markers and their segments up to the first scan. Each segment must fit in the file, the
// frame must be one libjpeg-turbo's 8-bit build decodes, and the coded data must be large enough
// for the blocks the frame declares (a progressive decode allocates all their coefficients first).
#include "core/formats/containers.h"

#include <algorithm>
#include <vector>

namespace imgpipe::containers {

namespace {

struct Component {
    unsigned h = 1, v = 1;
};

bool is_sof(unsigned m) { return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc; }

} // namespace

void check_jpeg(const FileBytes& f, uint64_t max_pixels) {
    uint64_t pos = 2;
    bool frame = false, arithmetic = false;
    uint64_t width = 0, height = 0;
    std::vector<Component> components;
    for (;;) {
        // As libjpeg does: bytes before a marker are skipped (it warns of "extraneous bytes" and
        // decodes), then fill bytes; a stuffed 0xFF00 is no marker.
        unsigned marker = 0;
        while (marker == 0) {
            pos = f.skip(f.find(pos, 0xff), 0xff);
            if (pos >= f.size()) throw_corrupt("the JPEG ends before its first scan");
            marker = f.u8(pos++);
        }
        if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
        if (marker == 0xd9) throw_corrupt("the JPEG ends before its first scan");
        const uint64_t length = f.u16(pos, true);
        const uint64_t remain = f.size() - pos;
        if (length < 2 || length > remain) {
            throw_corrupt("a JPEG segment declares " + std::to_string(length) + " bytes where " +
                          std::to_string(remain) + " remain");
        }
        if (is_sof(marker)) {
            const unsigned precision = f.u8(pos + 2);
            height = f.u16(pos + 3, true);
            width = f.u16(pos + 5, true);
            const unsigned n = f.u8(pos + 7);
            if (marker == 0xc3 || marker == 0xc7 || marker == 0xcb || marker == 0xcf) {
                throw_unsupported("lossless JPEG");
            }
            if ((marker >= 0xc5 && marker <= 0xc7) || (marker >= 0xcd && marker <= 0xcf)) {
                throw_unsupported("hierarchical JPEG");
            }
            if (precision != 8) throw_unsupported(std::to_string(precision) + "-bit JPEG");
            if (width == 0 || height == 0 || n == 0 || length < 8 + 3ull * n) {
                throw_corrupt("the JPEG frame header is invalid");
            }
            check_pixel_limit(width, height, max_pixels);
            for (unsigned i = 0; i < n; ++i) {
                const unsigned sampling = f.u8(pos + 8 + 3ull * i + 1);
                components.push_back({std::max(1u, sampling >> 4), std::max(1u, sampling & 15)});
            }
            arithmetic = marker >= 0xc9;
            frame = true;
        }
        if (marker == 0xda) {
            if (!frame) throw_corrupt("the JPEG has a scan before its frame header");
            pos += length;
            break;
        }
        pos += length;
    }
    // Huffman coding spends at least one bit on every block of the first scan (its DC code), so
    // coded data smaller than that is cut short. Arithmetic coding has no such floor.
    if (arithmetic) return;
    unsigned hmax = 1, vmax = 1;
    for (const auto& c : components) hmax = std::max(hmax, c.h), vmax = std::max(vmax, c.v);
    uint64_t blocks = 0;
    for (const auto& c : components) {
        const uint64_t w = (width * c.h + hmax - 1) / hmax, h = (height * c.v + vmax - 1) / vmax;
        blocks += ((w + 7) / 8) * ((h + 7) / 8);
    }
    const uint64_t coded = f.size() - pos;
    if (coded * 8 + 1024 < blocks) {
        throw_corrupt("the JPEG's coded data (" + std::to_string(coded) + " bytes) cannot hold its " +
                      std::to_string(width) + "x" + std::to_string(height) + " pixels");
    }
}

} // namespace imgpipe::containers
