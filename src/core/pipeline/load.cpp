#include "core/pipeline/load.h"

#include "core/errors.h"
#include "core/formats/orientation.h"
#include "core/formats/precheck.h"
#include "core/formats/source_format.h"
#include "core/pipeline/vips_setup.h"

#include <algorithm>
#include <cstring>
#include <fstream>

namespace imgpipe {

using vips::VImage;

namespace {

// Loader errors are libvips internals (they may contain paths): log-worthy, never public.
[[noreturn]] void undecodable() {
    vips_error_clear();
    throw Error(ErrorCode::undecodable, kUndecodableMessage);
}

// The accepted format the first bytes of the file say it is, or nullptr.
const SourceFormat* sniff_file(const std::string& path) {
    char head[64] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(head, sizeof head);
    return sniff_source_format(std::string_view(head, static_cast<size_t>(in.gcount())));
}

// The orientation a loaded image carries that libvips does not know of (it applies
// VIPS_META_ORIENTATION only): XMP's tiff:Orientation in any container, a PNG eXIf chunk after the
// image data. 1 when libvips knows the orientation or there is none.
int hidden_orientation(const std::string& path, const VImage& img) {
    const SourceFormat* format =
        img.get_typeof("vips-loader") != 0 ? source_format_of_loader(img.get_string("vips-loader")) : nullptr;
    const bool tiff = format && format->container == Container::tiff;
    // libvips' TIFF loader reports 1 for a file without the tag: that is no orientation at all.
    if (img.get_typeof(VIPS_META_ORIENTATION) != 0 && !(tiff && !tiff_has_orientation_tag(path))) return 1;
    if (img.get_typeof(VIPS_META_XMP_NAME) != 0) {
        size_t size = 0;
        const void* xmp = img.get_blob(VIPS_META_XMP_NAME, &size);
        if (const int o = xmp_orientation(std::string_view(static_cast<const char*>(xmp), size)); o != 1) return o;
    }
    return format && format->container == Container::png ? png_exif_orientation(path) : 1;
}

// Turns a decoded image upright, whether libvips knows its orientation or only we do.
VImage upright(VImage img, int hidden) {
    if (hidden != 1) {
        img = img.copy();
        img.set(VIPS_META_ORIENTATION, hidden);
    }
    return img.autorot();
}

bool swaps_sides(int orientation) { return orientation >= 5 && orientation <= 8; }

void check_animation(int width, int height, int frames, const LimitsConfig& limits) {
    if (frames > limits.max_frames) {
        throw Error(ErrorCode::image_too_large, "the animation has " + std::to_string(frames) +
                                                    " frames; at most " + std::to_string(limits.max_frames) +
                                                    " are accepted");
    }
    const uint64_t total = static_cast<uint64_t>(width) * static_cast<uint64_t>(height) *
                           static_cast<uint64_t>(frames);
    if (total > limits.max_animation_pixels) {
        throw Error(ErrorCode::image_too_large,
                    "the animation has " + std::to_string(frames) + " frames of " + std::to_string(width) +
                        "x" + std::to_string(height) + " (" + std::to_string(total) +
                        " pixels); at most " + std::to_string(limits.max_animation_pixels) +
                        " pixels over all frames are accepted");
    }
}

} // namespace

SourceInfo probe_image(const std::string& path, const LimitsConfig& limits) {
    // The structure first, before any decoder parses the file (libtiff and libheif do, to claim
    // it): what a file may cost follows from its size and its declared pixels. Our signatures
    // match libvips' own; a file it claims anyway is checked as what it claims to be.
    const SourceFormat* sniffed = sniff_file(path);
    if (sniffed) precheck_container(path, *sniffed, limits.max_source_pixels);
    // find_load sniffs the bytes (never the file name); in 8.14 it also names blocked loaders,
    // so the allow-list is checked here as well as in libvips.
    const char* loader_class = vips_foreign_find_load(path.c_str());
    const SourceFormat* claimed = loader_class ? source_format_of_loader_class(loader_class) : nullptr;
    if (!claimed) {
        vips_error_clear();
        // Some loaders (TIFF, HEIF) only claim files they can open: a broken one is still ours.
        if (sniffed) undecodable();
        throw Error(ErrorCode::unsupported_media,
                    "not an image in an accepted format (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF)");
    }
    if (claimed != sniffed) precheck_container(path, *claimed, limits.max_source_pixels);
    VImage img;
    try {
        img = VImage::new_from_file(path.c_str(),
                                    VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    } catch (const vips::VError&) {
        undecodable();
    }
    const uint64_t pixels = static_cast<uint64_t>(img.width()) * static_cast<uint64_t>(img.height());
    if (pixels > limits.max_source_pixels) {
        throw Error(ErrorCode::image_too_large,
                    "the image is " + std::to_string(img.width()) + "x" +
                        std::to_string(img.height()) + " (" + std::to_string(pixels) +
                        " pixels); at most " + std::to_string(limits.max_source_pixels) +
                        " pixels are accepted");
    }

    SourceInfo info;
    const SourceFormat* format =
        img.get_typeof("vips-loader") != 0 ? source_format_of_loader(img.get_string("vips-loader")) : nullptr;
    if (!format) throw Error(ErrorCode::unsupported_media, "unsupported image format");
    info.mime = format->mime;
    info.default_output = format->default_output;
    if (format->container == Container::heif && img.get_typeof("heif-compression") != 0 &&
        std::strcmp(img.get_string("heif-compression"), "av1") == 0) {
        info.mime = "image/avif";
        info.default_output = Format::avif;
    }

    // Only GIF and WebP animate; other multi-page files (TIFF, HEIF) keep their first page.
    const bool can_animate = format->container == Container::gif || format->container == Container::webp;
    if (can_animate && img.get_typeof(VIPS_META_N_PAGES) != 0) info.frames = std::max(1, img.get_int(VIPS_META_N_PAGES));
    if (info.frames > 1) {
        check_animation(img.width(), img.height(), info.frames, limits);
        info.width = img.width();
        info.height = img.height();
        return info; // frames are never turned (load_frames)
    }

    const int hidden = hidden_orientation(path, img);
    info.orientation = hidden != 1                                  ? hidden
                       : img.get_typeof(VIPS_META_ORIENTATION) != 0 ? img.get_int(VIPS_META_ORIENTATION)
                                                                    : 1;
    const bool swaps = swaps_sides(info.orientation);
    info.width = swaps ? img.height() : img.width();
    info.height = swaps ? img.width() : img.height();
    return info;
}

void verify_decodable(const std::string& path, int frames) {
    try {
        if (frames > 1) {
            VImage all = VImage::new_from_file(path.c_str(), VImage::option()
                                                                 ->set("n", -1)
                                                                 ->set("access", VIPS_ACCESS_SEQUENTIAL)
                                                                 ->set("fail_on", VIPS_FAIL_ON_ERROR));
            (void)all.avg(); // every frame through the decoder
            return;
        }
        VImage small = VImage::thumbnail(
            path.c_str(), 64, VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR));
        (void)small.avg(); // forces every pixel of the source through the decoder
    } catch (const vips::VError&) {
        undecodable();
    }
}

VImage normalise_colour(const VImage& in) {
    VImage img = in;
    if (img.get_typeof(VIPS_META_ICC_NAME) != 0) {
        try {
            img = img.icc_transform("srgb", VImage::option()
                                                ->set("embedded", true)
                                                ->set("intent", VIPS_INTENT_RELATIVE));
        } catch (const vips::VError&) {
            vips_error_clear(); // a broken profile: fall back to the plain conversion below
            img = in;
        }
    }
    const auto interp = img.interpretation();
    const bool grey = interp == VIPS_INTERPRETATION_B_W || interp == VIPS_INTERPRETATION_GREY16;
    if (grey) {
        if (img.format() != VIPS_FORMAT_UCHAR) img = img.colourspace(VIPS_INTERPRETATION_B_W);
    } else if (interp != VIPS_INTERPRETATION_sRGB || img.format() != VIPS_FORMAT_UCHAR) {
        img = img.colourspace(VIPS_INTERPRETATION_sRGB);
    }
    if (img.format() != VIPS_FORMAT_UCHAR) img = img.cast(VIPS_FORMAT_UCHAR);
    return img;
}

VImage load_full(const std::string& path) {
    try {
        VImage img = VImage::new_from_file(path.c_str(),
                                           VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR));
        return normalise_colour(upright(img, hidden_orientation(path, img)));
    } catch (const vips::VError&) {
        undecodable();
    }
}

VImage load_frames(const std::string& path, bool all) {
    try {
        auto* options = VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR);
        // All frames are read once, top to bottom (the executor asks for them in order), so the
        // decoder need not hold the whole strip.
        if (all) options->set("n", -1)->set("access", VIPS_ACCESS_SEQUENTIAL);
        return normalise_colour(VImage::new_from_file(path.c_str(), options));
    } catch (const vips::VError&) {
        undecodable();
    }
}

VImage load_shrunk(const std::string& path, int width, int height) {
    try {
        // thumbnail turns the image upright when libvips knows the orientation; when only we do,
        // it shrinks the stored image to the box turned as stored, and we turn the result.
        const int hidden = hidden_orientation(
            path, VImage::new_from_file(path.c_str(), VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)));
        const bool swap = swaps_sides(hidden);
        VImage img = VImage::thumbnail(path.c_str(), swap ? height : width,
                                       VImage::option()
                                           ->set("height", swap ? width : height)
                                           ->set("size", VIPS_SIZE_DOWN)
                                           ->set("fail_on", VIPS_FAIL_ON_ERROR));
        // thumbnail reads its source once, top to bottom; turning needs the pixels in any order,
        // so the (shrunk, output-sized) image is held in memory first.
        return normalise_colour(hidden != 1 ? upright(img.copy_memory(), hidden) : img);
    } catch (const vips::VError&) {
        undecodable();
    }
}

} // namespace imgpipe
