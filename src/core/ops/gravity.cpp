#include "core/ops/gravity.h"

#include "core/errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace imgpipe {

namespace {
constexpr int kMaxDimension = 10'000'000; // parse bound only; real limits live in the plan

// The first entry of each gravity is its canonical name.
constexpr GravityName kNames[] = {
    {"center", Gravity::center},       {"centre", Gravity::center},     {"c", Gravity::center},
    {"north", Gravity::north},         {"n", Gravity::north},           {"top", Gravity::north},
    {"south", Gravity::south},         {"s", Gravity::south},           {"bottom", Gravity::south},
    {"east", Gravity::east},           {"e", Gravity::east},            {"right", Gravity::east},
    {"west", Gravity::west},           {"w", Gravity::west},            {"left", Gravity::west},
    {"northeast", Gravity::northeast}, {"ne", Gravity::northeast},
    {"northwest", Gravity::northwest}, {"nw", Gravity::northwest},
    {"southeast", Gravity::southeast}, {"se", Gravity::southeast},
    {"southwest", Gravity::southwest}, {"sw", Gravity::southwest},
    {"smart", Gravity::smart},         {"attention", Gravity::smart},
    {"entropy", Gravity::entropy},
};
// The content gravities score a copy of the image this size on its long side (or the image, when
// smaller), so the region they choose does not depend on the resolution the crop runs at: at full
// size (literal) or shrunk on load (planned), the score sees almost the same pixels. Scoring the
// image as it came gave regions apart by half the picture (PSNR 22-26 dB against the literal
// chain, photo-like images). It also bounds the cost of entropy, which libvips computes at the
// size it is given. Placement is then as fine as one score pixel (1/256 of the long side).
constexpr int kScoreSide = 256;

Offset place_by_content(const vips::VImage& in, Size region, Gravity g) {
    const double k = std::min(1.0, static_cast<double>(kScoreSide) / std::max(in.width(), in.height()));
    const vips::VImage small = k < 1.0 ? in.resize(k) : in;
    const int w = std::clamp(static_cast<int>(std::lround(region.width * k)), 1, small.width());
    const int h = std::clamp(static_cast<int>(std::lround(region.height * k)), 1, small.height());
    const vips::VImage pick = small.smartcrop(
        w, h, vips::VImage::option()->set("interesting", g == Gravity::smart ? VIPS_INTERESTING_ATTENTION
                                                                             : VIPS_INTERESTING_ENTROPY));
    // smartcrop is an extract_area of its input: its offset is minus the chosen corner.
    const int left = static_cast<int>(std::lround(-pick.xoffset() / k));
    const int top = static_cast<int>(std::lround(-pick.yoffset() / k));
    return {std::clamp(left, 0, in.width() - region.width), std::clamp(top, 0, in.height() - region.height)};
}

} // namespace

std::optional<Gravity> parse_gravity(std::string_view s) {
    for (const auto& n : kNames) {
        if (n.name == s) return n.gravity;
    }
    return std::nullopt;
}

std::string_view gravity_name(Gravity g) {
    for (const auto& n : kNames) {
        if (n.gravity == g) return n.name;
    }
    return "center";
}

std::span<const GravityName> gravity_names() { return kNames; }

bool by_content(Gravity g) { return g == Gravity::smart || g == Gravity::entropy; }

Offset place(Gravity g, Size region, Size image) {
    const int free_x = std::max(0, image.width - region.width);
    const int free_y = std::max(0, image.height - region.height);
    Offset o{free_x / 2, free_y / 2};
    switch (g) {
    case Gravity::north: o.top = 0; break;
    case Gravity::south: o.top = free_y; break;
    case Gravity::east: o.left = free_x; break;
    case Gravity::west: o.left = 0; break;
    case Gravity::northeast: o = {free_x, 0}; break;
    case Gravity::northwest: o = {0, 0}; break;
    case Gravity::southeast: o = {free_x, free_y}; break;
    case Gravity::southwest: o = {0, free_y}; break;
    default: break; // center (and the content gravities, which never get here)
    }
    return o;
}

vips::VImage crop_by_gravity(const vips::VImage& in, Size region, Gravity g) {
    const Size image{in.width(), in.height()};
    const Size r{std::min(region.width, image.width), std::min(region.height, image.height)};
    if (r == image) return in;
    const Offset o = by_content(g) ? place_by_content(in, r, g) : place(g, r, image);
    return in.extract_area(o.left, o.top, r.width, r.height);
}

Size parse_box(std::string_view s, const char* usage) {
    const auto x = s.find('x');
    if (x == std::string_view::npos) throw Error(ErrorCode::invalid_chain, usage);
    auto dimension = [usage](std::string_view d) {
        int v = 0;
        auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
        if (d.empty() || ec != std::errc{} || end != d.data() + d.size() || v <= 0 || v > kMaxDimension) {
            throw Error(ErrorCode::invalid_chain, usage);
        }
        return v;
    };
    return {dimension(s.substr(0, x)), dimension(s.substr(x + 1))};
}

} // namespace imgpipe
