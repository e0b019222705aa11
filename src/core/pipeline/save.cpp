#include "core/pipeline/save.h"

#include <cstring>
#include <glib.h>

namespace imgpipe {

using vips::VImage;

namespace {

// webpsave in 8.14 ignores `strip`, so the metadata goes before any saver sees it.
VImage without_metadata(const VImage& in) {
    VImage img = in.copy();
    gchar** names = vips_image_get_fields(img.get_image());
    for (gchar** n = names; *n; ++n) {
        for (const char* prefix : {"exif-", "xmp-", "iptc-", "icc-", "orientation"}) {
            if (std::strncmp(*n, prefix, std::strlen(prefix)) == 0) {
                vips_image_remove(img.get_image(), *n);
                break;
            }
        }
    }
    g_strfreev(names);
    return img;
}

// The options of each format's saver; the suffix comes from the format table.
vips::VOption* saver_options(Format format, const OutputConfig& out, std::optional<int> quality) {
    vips::VOption* o = VImage::option()->set("strip", true);
    switch (format) {
    case Format::jpeg: return o->set("Q", quality.value_or(out.jpeg_quality));
    case Format::png: return o->set("compression", out.png_compression);
    case Format::webp: return o->set("Q", quality.value_or(out.webp_quality));
    case Format::gif: return o;
    case Format::tiff: return o->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE);
    case Format::avif:
        return o->set("Q", quality.value_or(out.avif_quality))
            ->set("effort", out.avif_effort)
            ->set("compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1);
    }
    return o;
}

} // namespace

std::string encode(const VImage& in, Format format, const OutputConfig& out, std::optional<int> quality) {
    const VImage img = without_metadata(in);
    void* buf = nullptr;
    size_t len = 0;
    img.write_to_buffer(std::string(traits(format).saver).c_str(), &buf, &len, saver_options(format, out, quality));
    std::string bytes(static_cast<const char*>(buf), len);
    g_free(buf);
    return bytes;
}

} // namespace imgpipe
