#pragma once

#include "core/config.h"
#include "core/formats/format.h"

#include <string>
#include <vips/vips8>

namespace imgpipe {

// Encodes with metadata stripped (EXIF, XMP, IPTC, ICC: pixels are already upright sRGB).
std::string encode(const vips::VImage& img, Format format, const OutputConfig& out);

} // namespace imgpipe
