#pragma once

#include "core/config.h"
#include "core/formats/format.h"

#include <string>
#include <vips/vips8>

namespace imgpipe {

// What the header-only open tells about a source image.
struct SourceInfo {
    std::string mime;      // of the stored bytes
    Format default_output; // the source format, or JPEG for sources imgpipe cannot encode (HEIC)
    int width = 0;         // as displayed: EXIF orientation applied
    int height = 0;
    int orientation = 1;
    int frames = 1;        // an animated GIF/WebP: its frames, each width x height; 1 otherwise
};

// Header-only open with the limits applied before any pixel is decoded.
// Throws Error: unsupported_media (not an image / refused format), undecodable (broken header),
// image_too_large (over limits.max_source_pixels, or an animation over limits.max_frames or
// limits.max_animation_pixels over all its frames).
SourceInfo probe_image(const std::string& path, const LimitsConfig& limits);

// Decodes the whole image once (reduced to a small size where the format allows) so that
// truncated or corrupt data is refused at upload rather than on the first transform.
// An animation (frames > 1) is decoded whole: every frame, at full size (the limits bound it).
void verify_decodable(const std::string& path, int frames = 1);

// Full-resolution decode, upright (EXIF orientation applied), sRGB or 8-bit grey.
vips::VImage load_full(const std::string& path);
// Shrink-on-load decode to about width x height (never below either), upright, sRGB or grey.
vips::VImage load_shrunk(const std::string& path, int width, int height);

// An animated GIF/WebP decoded as a vertical strip of its frames ("page-height", "delay", "loop"
// set), or only its first frame: sRGB or grey, 8-bit. Never turned: the frames are as stored (GIF
// has no orientation; an EXIF orientation in a WebP animation is not applied, as browsers do).
vips::VImage load_frames(const std::string& path, bool all);

// Convert any colour space (CMYK, 16-bit, embedded ICC profiles) to 8-bit sRGB, or 8-bit grey.
vips::VImage normalise_colour(const vips::VImage& in);

} // namespace imgpipe
