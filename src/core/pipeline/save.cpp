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

} // namespace

std::string encode(const VImage& in, Format format, const OutputConfig& out) {
    const VImage img = without_metadata(in);
    void* buf = nullptr;
    size_t len = 0;
    switch (format) {
    case Format::jpeg:
        img.write_to_buffer(".jpg", &buf, &len,
                            VImage::option()->set("Q", out.jpeg_quality)->set("strip", true));
        break;
    case Format::png:
        img.write_to_buffer(
            ".png", &buf, &len,
            VImage::option()->set("compression", out.png_compression)->set("strip", true));
        break;
    case Format::webp:
        img.write_to_buffer(".webp", &buf, &len,
                            VImage::option()->set("Q", out.webp_quality)->set("strip", true));
        break;
    case Format::gif:
        img.write_to_buffer(".gif", &buf, &len, VImage::option()->set("strip", true));
        break;
    case Format::tiff:
        img.write_to_buffer(".tif", &buf, &len,
                            VImage::option()
                                ->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE)
                                ->set("strip", true));
        break;
    case Format::avif:
        img.write_to_buffer(".avif", &buf, &len,
                            VImage::option()
                                ->set("Q", out.avif_quality)
                                ->set("effort", out.avif_effort)
                                ->set("compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1)
                                ->set("strip", true));
        break;
    }
    std::string bytes(static_cast<const char*>(buf), len);
    g_free(buf);
    return bytes;
}

} // namespace imgpipe
