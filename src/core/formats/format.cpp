#include "core/formats/format.h"

#include <array>

namespace imgpipe {

namespace {

//                      format        name    alias  mime          extension saver   alpha  anim   lossy
constexpr std::array kOutputs{
    FormatTraits{Format::jpeg, "jpeg", "jpg", "image/jpeg", ".jpg", ".jpg", false, false, true},
    FormatTraits{Format::png, "png", "", "image/png", ".png", ".png", true, false, false},
    FormatTraits{Format::webp, "webp", "", "image/webp", ".webp", ".webp", true, true, true},
    FormatTraits{Format::gif, "gif", "", "image/gif", ".gif", ".gif", true, true, false},
    FormatTraits{Format::tiff, "tiff", "tif", "image/tiff", ".tif", ".tif", true, false, false},
    FormatTraits{Format::avif, "avif", "", "image/avif", ".avif", ".avif", true, false, true},
};

static_assert([] {
    for (size_t i = 0; i < kOutputs.size(); ++i) {
        if (static_cast<size_t>(kOutputs[i].format) != i) return false;
    }
    return true;
}(), "rows in enum order: traits() indexes by the enum");

} // namespace

std::span<const FormatTraits> output_formats() { return kOutputs; }
const FormatTraits& traits(Format f) { return kOutputs[static_cast<size_t>(f)]; }

std::string_view format_name(Format f) { return traits(f).name; }
std::string_view format_mime(Format f) { return traits(f).mime; }
std::string_view format_extension(Format f) { return traits(f).extension; }
bool format_has_alpha(Format f) { return traits(f).alpha; }

std::optional<Format> format_from_name(std::string_view n) {
    for (const auto& t : kOutputs) {
        if (n == t.name || (!t.alias.empty() && n == t.alias)) return t.format;
    }
    return std::nullopt;
}

std::optional<Format> format_from_mime(std::string_view mime) {
    for (const auto& t : kOutputs) {
        if (mime == t.mime) return t.format;
    }
    return std::nullopt;
}

} // namespace imgpipe
