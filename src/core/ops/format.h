#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgpipe {

// Output formats imgpipe can encode. Sources may also be HEIC, which is decoded but re-encoded as
// JPEG by default (source_default_output).
enum class Format { jpeg, png, webp, gif, tiff, avif };

std::string_view format_name(Format f);      // canonical op argument: "jpeg", "png", ...
std::string_view format_mime(Format f);      // "image/jpeg", ...
std::string_view format_extension(Format f); // ".jpg", ...
bool format_has_alpha(Format f);             // false: transparency is flattened onto white
std::optional<Format> format_from_name(std::string_view lower_name); // accepts jpg, tif aliases

} // namespace imgpipe
