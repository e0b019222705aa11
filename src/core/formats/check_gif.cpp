// GIF: a screen descriptor and colour table, then blocks up to the first image, whose LZW data is
// walked sub-block by sub-block (only the first frame is decoded).
#include "core/formats/containers.h"

namespace imgpipe::containers {

namespace {

// Skips a chain of data sub-blocks starting at `pos`; returns the position after the terminator
// and adds the data bytes to `data`.
uint64_t skip_sub_blocks(const FileBytes& f, uint64_t pos, uint64_t& data) {
    for (;;) {
        if (pos >= f.size()) throw_corrupt("the GIF ends inside a block");
        const unsigned n = f.u8(pos);
        if (n == 0) return pos + 1;
        if (n > f.size() - pos - 1) throw_corrupt("the GIF ends inside a block");
        data += n;
        pos += 1 + n;
    }
}

// An LZW code of at most 12 bits stands for at most 4096 pixels: 2731 pixels per byte at best.
constexpr uint64_t kLzwMaxRatio = 2731;

} // namespace

void check_gif(const FileBytes& f, uint64_t max_pixels) {
    const unsigned flags = f.u8(10);
    uint64_t pos = 13 + ((flags & 0x80) ? 3ull << ((flags & 7) + 1) : 0);
    for (;;) {
        if (pos >= f.size()) throw_corrupt("the GIF ends before its first image");
        const unsigned block = f.u8(pos);
        if (block == 0x21) { // extension: label, sub-blocks
            uint64_t ignored = 0;
            pos = skip_sub_blocks(f, pos + 2, ignored);
        } else if (block == 0x2c) { // image descriptor
            const uint64_t width = f.u16(pos + 5, false), height = f.u16(pos + 7, false);
            const unsigned image_flags = f.u8(pos + 9);
            pos += 10 + ((image_flags & 0x80) ? 3ull << ((image_flags & 7) + 1) : 0);
            uint64_t data = 0;
            skip_sub_blocks(f, pos + 1, data); // after the LZW minimum code size
            // A sound structure: now the sizes. libvips decodes onto a canvas of the screen's size.
            check_pixel_limit(f.u16(6, false), f.u16(8, false), max_pixels);
            check_pixel_limit(width, height, max_pixels);
            if (data * kLzwMaxRatio + 64 * 1024 < width * height) {
                throw_corrupt("the GIF's first image data (" + std::to_string(data) + " bytes) cannot hold its " +
                              std::to_string(width) + "x" + std::to_string(height) + " pixels");
            }
            return;
        } else {
            throw_corrupt(block == 0x3b ? "the GIF has no image" : "the GIF has an unknown block");
        }
    }
}

} // namespace imgpipe::containers
