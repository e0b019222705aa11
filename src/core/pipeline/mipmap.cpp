#include "core/pipeline/mipmap.h"

#include "core/errors.h"
#include "core/pipeline/load.h"

#include <glib.h>

namespace imgpipe {

namespace {
constexpr char kType[] = "application/x-imgpipe-raw; bands=";
}

bool wants_mipmap(int width, int height) {
    return std::max(width, height) * 2 >= kMipmapSide * 3;
}

Mipmap make_mipmap(const std::string& path) {
    try {
        vips::VImage img = load_shrunk(path, kMipmapSide, kMipmapSide).copy_memory();
        size_t size = 0;
        void* data = img.write_to_memory(&size);
        Mipmap m{std::string(static_cast<const char*>(data), size), img.width(), img.height(), img.bands()};
        g_free(data);
        return m;
    } catch (const vips::VError&) {
        vips_error_clear();
        throw Error(ErrorCode::undecodable, kUndecodableMessage);
    }
}

std::string mipmap_id(const std::string& original_id) { return original_id + "/mipmap"; }

std::string mipmap_content_type(int bands) { return kType + std::to_string(bands); }

int mipmap_bands(const std::string& content_type) {
    const std::string prefix = kType;
    if (content_type.rfind(prefix, 0) != 0) return 0;
    return std::atoi(content_type.c_str() + prefix.size());
}

vips::VImage mipmap_image(std::string_view pixels, int width, int height, int bands) {
    if (static_cast<size_t>(width) * height * bands != pixels.size()) {
        throw Error(ErrorCode::internal, "stored mipmap has the wrong size");
    }
    const auto interpretation = bands <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    return vips::VImage::new_from_memory(const_cast<char*>(pixels.data()), pixels.size(), width, height,
                                         bands, VIPS_FORMAT_UCHAR)
        .copy(vips::VImage::option()->set("interpretation", interpretation));
}

} // namespace imgpipe
