#include "core/ops/convert.h"

#include "core/errors.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>

namespace imgpipe {

Convert Convert::parse(std::string_view args) {
    auto f = format_from_name(to_lower(args));
    if (!f) {
        throw Error(ErrorCode::invalid_chain,
                    "expects one of jpeg, jpg, png, webp, gif, tiff, tif, avif");
    }
    return Convert{*f};
}

std::string Convert::canonical() const { return "convert:" + std::string(format_name(format)); }

vips::VImage Convert::apply(const vips::VImage& in) const {
    return format_has_alpha(format) ? in : flatten_onto_white(in);
}

vips::VImage flatten_onto_white(const vips::VImage& in) {
    if (!in.has_alpha()) return in;
    const double white = in.format() == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
    return in.flatten(vips::VImage::option()->set("background", std::vector<double>{white}));
}

} // namespace imgpipe
