#include "core/ops/scale.h"

#include "core/errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace imgpipe {

namespace {
constexpr int kMaxDimension = 10'000'000; // parse bound only; real limits live in the plan

int parse_dimension(std::string_view s) {
    if (s.empty()) return 0;
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v <= 0 || v > kMaxDimension) {
        throw Error(ErrorCode::invalid_chain,
                    "expects positive whole-pixel sizes, like scale:200x100, scale:200x or scale:x100");
    }
    return v;
}
} // namespace

Scale Scale::parse(std::string_view args) {
    const auto x = args.find('x');
    if (x == std::string_view::npos) {
        throw Error(ErrorCode::invalid_chain, "expects <width>x<height>, like scale:200x100");
    }
    Scale s{parse_dimension(args.substr(0, x)), parse_dimension(args.substr(x + 1))};
    if (s.width == 0 && s.height == 0) {
        throw Error(ErrorCode::invalid_chain, "needs a width, a height or both");
    }
    return s;
}

std::string Scale::canonical() const {
    return "scale:" + (width ? std::to_string(width) : "") + "x" +
           (height ? std::to_string(height) : "");
}

Size Scale::output_size(Size in) const {
    const int w = in.width, h = in.height;
    auto keep = [](double other_target, double other, double self) {
        return std::max(1, static_cast<int>(std::lround(self * other_target / other)));
    };
    if (width && height) return {width, height};
    if (width) return {width, keep(width, w, h)};
    return {keep(height, h, w), height};
}

vips::VImage Scale::apply(const vips::VImage& in, ChainContext&) const {
    return resize_exact(in, output_size({in.width(), in.height()}));
}

vips::VImage resize_exact(const vips::VImage& in, Size target) {
    using vips::VImage;
    const auto [tw, th] = target;
    if (tw == in.width() && th == in.height()) return in;
    const double hs = static_cast<double>(tw) / in.width();
    const double vs = static_cast<double>(th) / in.height();
    const bool alpha = in.has_alpha();
    VImage img = alpha ? in.premultiply() : in;
    img = img.resize(hs, VImage::option()->set("vscale", vs));
    if (alpha) img = img.unpremultiply().cast(in.format());
    // resize rounds each side; make the promised size exact.
    if (img.width() != tw || img.height() != th) {
        img = img.embed(0, 0, std::max(tw, img.width()), std::max(th, img.height()),
                        VImage::option()->set("extend", VIPS_EXTEND_COPY))
                  .extract_area(0, 0, tw, th);
    }
    return img;
}

} // namespace imgpipe
