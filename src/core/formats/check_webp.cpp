// WebP: a RIFF container. The RIFF size and every chunk must fit in the file.
#include "core/formats/containers.h"

namespace imgpipe::containers {

void check_webp(const FileBytes& f, uint64_t /*max_pixels: libwebp's header read applies it*/) {
    const uint64_t riff_end = 8 + static_cast<uint64_t>(f.u32(4, false));
    if (riff_end > f.size()) {
        throw_corrupt("the WebP RIFF header declares " + std::to_string(riff_end) + " bytes where the file has " +
                      std::to_string(f.size()));
    }
    uint64_t pos = 12;
    bool image = false;
    while (pos + 8 <= riff_end) {
        const std::string type = f.read(pos, 4);
        const uint64_t length = f.u32(pos + 4, false);
        const uint64_t remain = riff_end - pos - 8;
        if (length > remain) {
            throw_corrupt("the WebP chunk '" + type + "' declares " + std::to_string(length) + " bytes where " +
                          std::to_string(remain) + " remain");
        }
        image = image || type == "VP8 " || type == "VP8L" || type == "ANMF";
        pos += 8 + length + (length & 1);
    }
    if (!image) throw_corrupt("the WebP has no image data");
}

} // namespace imgpipe::containers
