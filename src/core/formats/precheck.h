#pragma once

#include "core/formats/source_format.h"

#include <cstdint>
#include <string>

namespace imgpipe {

// What can be checked in a file's structure before any decoder runs, so that the work a file
// costs follows from its byte size and its declared pixels: a decoder trusts declared lengths and
// allocates for them (libpng zero-fills a buffer for a chunk that says it holds 2 GB, libtiff and
// libvips one for a strip the header says is 150 MB), so every declared length must fit in the
// bytes that remain, and where a codec has a best possible compression ratio, the coded data must
// be able to hold the pixels it declares. Compressed metadata is inflated under a cap.
//
// Throws Error: image_too_large (declared pixels over `max_pixels`, read from the header here),
// undecodable (a length past the end of the file, data too short for its pixels),
// unsupported_variant (an accepted container with a variant the decoders here do not read, such
// as 12-bit JPEG or old-style JPEG in TIFF: the message names it), image_too_large (metadata that
// inflates past the cap).
void precheck_container(const std::string& path, const SourceFormat& format, uint64_t max_pixels);

} // namespace imgpipe
