#pragma once

#include "core/formats/format.h"

#include <span>
#include <string_view>

namespace imgpipe {

// The containers imgpipe accepts as sources, with every fact about each in one row: how its first
// bytes look, which libvips loader reads it, its MIME type and the output a transform defaults to.
enum class Container { jpeg, png, webp, gif, tiff, heif };

struct SourceFormat {
    Container container;
    std::string_view name;          // for messages: "PNG", "HEIF/AVIF"
    std::string_view loader_class;  // libvips type-name prefix: "VipsForeignLoadPng"
    std::string_view loader_nick;   // "vips-loader" prefix libvips records: "pngload"
    std::string_view mime;          // of the stored bytes (HEIF: image/heic or image/avif, below)
    Format default_output;          // HEIC is decoded, never encoded: JPEG
};

std::span<const SourceFormat> source_formats();

// The accepted format whose signature the first bytes of a file carry, or nullptr. `head` needs
// at most the first 64 bytes.
const SourceFormat* sniff_source_format(std::string_view head);

// The row of the libvips loader that read an image ("pngload_source" -> PNG), or nullptr.
const SourceFormat* source_format_of_loader(std::string_view vips_loader);

// The row of a libvips loader type name ("VipsForeignLoadJpegFile" -> JPEG); nullptr for a loader
// of a format that is not accepted.
const SourceFormat* source_format_of_loader_class(std::string_view type_name);

} // namespace imgpipe
