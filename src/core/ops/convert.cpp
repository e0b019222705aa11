#include "core/ops/convert.h"

#include "core/errors.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>

namespace imgpipe {

Convert Convert::parse(std::string_view args) {
    if (to_lower(args) == "auto") return Convert{Format::jpeg, true};
    auto f = format_from_name(to_lower(args));
    if (!f) {
        std::string known;
        for (const auto& t : output_formats()) {
            known += (known.empty() ? "" : ", ") + std::string(t.name);
            if (!t.alias.empty()) known += ", " + std::string(t.alias);
        }
        throw Error(ErrorCode::invalid_chain, "expects one of " + known + ", auto");
    }
    return Convert{*f};
}

std::string Convert::canonical() const {
    return "convert:" + (negotiate ? std::string("auto") : std::string(format_name(format)));
}

vips::VImage Convert::apply(const vips::VImage& in, ChainContext& ctx) const {
    // Only the HTTP API knows the request's Accept header; anything else asking for convert:auto
    // (the CLI, a chain that slipped through) is told so rather than silently getting JPEG.
    if (negotiate) {
        throw Error(ErrorCode::invalid_chain,
                    "convert:auto is decided per request from its Accept header; name a format here");
    }
    return format_has_alpha(format) ? in : flatten(in, ctx);
}

vips::VImage flatten(const vips::VImage& in, const ChainContext& ctx) {
    if (!in.has_alpha()) return in;
    const double max = in.format() == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
    std::vector<double> bg{max};
    if (!ctx.background.empty()) {
        const auto& c = ctx.background;
        const double k = max / 255.0;
        bg = in.bands() <= 2 ? std::vector<double>{(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) * k}
                             : std::vector<double>{c[0] * k, c[1] * k, c[2] * k};
    }
    return in.flatten(vips::VImage::option()->set("background", bg));
}

} // namespace imgpipe
