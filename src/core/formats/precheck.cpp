#include "core/formats/precheck.h"

#include "core/formats/containers.h"

namespace imgpipe {

void precheck_container(const std::string& path, const SourceFormat& format, uint64_t max_pixels) {
    const FileBytes f(path);
    switch (format.container) {
    case Container::png: return containers::check_png(f, max_pixels);
    case Container::jpeg: return containers::check_jpeg(f, max_pixels);
    case Container::webp: return containers::check_webp(f, max_pixels);
    case Container::gif: return containers::check_gif(f, max_pixels);
    case Container::tiff: return containers::check_tiff(f, max_pixels);
    case Container::heif: return containers::check_isobmff(f, max_pixels);
    }
}

} // namespace imgpipe
