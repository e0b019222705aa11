#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace imgpipe {

// Output formats imgpipe can encode. Sources may also be HEIC, which is decoded but re-encoded as
// JPEG by default (see source_format.h).
enum class Format { jpeg, png, webp, gif, tiff, avif };

// Every fact about an output format, in one row of one table (format.cpp).
struct FormatTraits {
    Format format;
    std::string_view name;       // canonical op argument: "jpeg"
    std::string_view alias;      // also accepted by convert: "jpg"; empty for none
    std::string_view mime;       // "image/jpeg"
    std::string_view extension;  // ".jpg": the file name a derived image gets
    std::string_view saver;      // libvips save suffix: ".jpg"
    bool alpha;                  // false: transparency is flattened onto the background
    bool animation;              // can hold several frames
    bool lossy;                  // takes a quality (1-100)
};

std::span<const FormatTraits> output_formats();
const FormatTraits& traits(Format f);

std::string_view format_name(Format f);
std::string_view format_mime(Format f);
std::string_view format_extension(Format f);
bool format_has_alpha(Format f);
std::optional<Format> format_from_name(std::string_view lower_name); // name or alias
std::optional<Format> format_from_mime(std::string_view mime);

} // namespace imgpipe
