#include "core/ops/rotate.h"

#include "core/errors.h"
#include "core/text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <vector>

namespace imgpipe {

namespace {
// Angles are kept to 1e-6 degree: finer differences cannot change a single pixel of any image
// within the output limits, and it keeps "10", "10.0" and "370" one canonical string.
constexpr double kResolution = 1e6;

double normalise(double d) {
    double r = std::fmod(d, 360.0);
    if (r < 0) r += 360.0;
    r = std::round(r * kResolution) / kResolution;
    if (r >= 360.0) r -= 360.0;
    return r == 0 ? 0.0 : r; // no "-0"
}
// The new corners, premultiplied: transparent by default, else the chain's background.
std::vector<double> corners(const vips::VImage& img, const ChainContext& ctx) {
    const auto bands = static_cast<size_t>(img.bands());
    std::vector<double> fill(bands, 0.0);
    if (ctx.background.empty()) return fill;
    const std::vector<double>& bg = ctx.background; // r, g, b, a in 0-255
    const double a = bg.size() > 3 ? bg[3] : 255.0;
    if (bands <= 2) fill[0] = (0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2]) * a / 255.0;
    else for (size_t i = 0; i < 3; ++i) fill[i] = bg[i] * a / 255.0;
    fill[bands - 1] = a;
    return fill;
}

} // namespace

Rotate Rotate::parse(std::string_view args) {
    const auto value = parse_plain_decimal(args, true);
    if (!value) {
        throw Error(ErrorCode::invalid_chain, "expects an angle in degrees, like rotate:90 or rotate:-12.5");
    }
    return Rotate{normalise(*value)};
}

std::string Rotate::canonical() const { return "rotate:" + format_decimal(degrees); }

bool Rotate::is_right_angle() const { return std::fmod(degrees, 90.0) == 0; }

Size Rotate::output_size(Size in) const {
    const int w = in.width, h = in.height;
    if (degrees == 90 || degrees == 270) return {h, w};
    if (is_right_angle()) return in;
    const double r = degrees * M_PI / 180.0;
    const double c = std::abs(std::cos(r)), s = std::abs(std::sin(r));
    return {static_cast<int>(std::ceil(w * c + h * s)), static_cast<int>(std::ceil(w * s + h * c))};
}

vips::VImage Rotate::apply(const vips::VImage& in, ChainContext& ctx) const {
    using vips::VImage;
    if (degrees == 0) return in;
    // libvips turns clockwise for positive angles; ours are counter-clockwise.
    if (degrees == 90) return in.rot(VIPS_ANGLE_D270);
    if (degrees == 180) return in.rot(VIPS_ANGLE_D180);
    if (degrees == 270) return in.rot(VIPS_ANGLE_D90);

    // Interpolating across the new transparent edge needs premultiplied alpha, otherwise the
    // border pixels darken towards the transparent black of the corners.
    VImage img = in.has_alpha() ? in : in.bandjoin_const({255.0});
    img = img.premultiply().rotate(-degrees, VImage::option()->set("background", corners(img, ctx)));
    return img.unpremultiply().cast(in.format());
}

} // namespace imgpipe
