#pragma once

#include "core/config.h"
#include "core/formats/format.h"

#include <optional>
#include <string>
#include <vips/vips8>

namespace imgpipe {

// Encodes with metadata stripped (EXIF, XMP, IPTC, ICC: pixels are already upright sRGB).
// `quality` (1-100, a quality op's) replaces the configured one of a lossy format; lossless
// formats ignore it.
std::string encode(const vips::VImage& img, Format format, const OutputConfig& out,
                   std::optional<int> quality = std::nullopt);

} // namespace imgpipe
