#include "core/ops/crop.h"

#include "core/errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace imgpipe {

namespace {
constexpr int kMaxCoordinate = 10'000'000; // parse bound only; real limits live in the plan
constexpr const char* kUsage =
    "expects <x>,<y>,<width>,<height> or <width>x<height>[:<gravity>], like crop:10,20,300,200 or "
    "crop:300x200:north";

int parse_int(std::string_view s, bool zero_ok, const char* what) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < (zero_ok ? 0 : 1) ||
        v > kMaxCoordinate) {
        throw Error(ErrorCode::invalid_chain, std::string(what) + " (" + kUsage + ")");
    }
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

std::string region_text(const Crop& c) {
    return std::to_string(c.x) + "," + std::to_string(c.y) + "," + std::to_string(c.width) + "," +
           std::to_string(c.height);
}
} // namespace

Crop Crop::parse(std::string_view args) {
    Crop c;
    if (args.find(',') != std::string_view::npos) {
        const auto parts = split(args, ',');
        if (parts.size() != 4) throw Error(ErrorCode::invalid_chain, kUsage);
        c.x = parse_int(parts[0], true, "needs x and y of 0 or more");
        c.y = parse_int(parts[1], true, "needs x and y of 0 or more");
        c.width = parse_int(parts[2], false, "needs a positive whole-pixel width and height");
        c.height = parse_int(parts[3], false, "needs a positive whole-pixel width and height");
        return c;
    }
    c.by_gravity = true;
    const auto colon = args.find(':');
    const Size box = parse_box(args.substr(0, colon), kUsage);
    c.width = box.width;
    c.height = box.height;
    if (colon != std::string_view::npos) {
        const auto g = parse_gravity(args.substr(colon + 1));
        if (!g) {
            throw Error(ErrorCode::invalid_chain,
                        "has an unknown gravity '" + std::string(args.substr(colon + 1)) +
                            "' (center, north, south, east, west, northeast, northwest, southeast, "
                            "southwest, smart, entropy)");
        }
        c.gravity = *g;
    }
    return c;
}

std::string Crop::canonical() const {
    if (!by_gravity) return "crop:" + region_text(*this);
    std::string s = "crop:" + std::to_string(width) + "x" + std::to_string(height);
    if (gravity != Gravity::center) s += ":" + std::string(gravity_name(gravity));
    return s;
}

Size Crop::output_size(Size in) const {
    if (by_gravity) return {std::min(width, in.width), std::min(height, in.height)};
    if (x >= in.width || y >= in.height) {
        throw Error(ErrorCode::invalid_chain,
                    "invalid op '" + canonical() + "': crop region " + region_text(*this) +
                        " lies outside the " + std::to_string(in.width) + "x" + std::to_string(in.height) +
                        " image");
    }
    return {std::min(width, in.width - x), std::min(height, in.height - y)};
}

Crop Crop::rescaled(double fx, double fy) const {
    Crop c = *this;
    if (by_gravity) {
        // Gravity placement follows the shrunk image by itself; only the size scales.
        c.width = std::max(1, static_cast<int>(std::lround(width * fx)));
        c.height = std::max(1, static_cast<int>(std::lround(height * fy)));
        return c;
    }
    // Both edges scale and round, so the region keeps its place; apply() clamps the one pixel by
    // which rounding may overshoot the shrunk image.
    c.x = static_cast<int>(std::lround(x * fx));
    c.y = static_cast<int>(std::lround(y * fy));
    c.width = std::max(1, static_cast<int>(std::lround((x + static_cast<double>(width)) * fx)) - c.x);
    c.height = std::max(1, static_cast<int>(std::lround((y + static_cast<double>(height)) * fy)) - c.y);
    return c;
}

vips::VImage Crop::apply(const vips::VImage& in, ChainContext&) const {
    if (by_gravity) return crop_by_gravity(in, {width, height}, gravity);
    // The planner has refused regions wholly outside (output_size); what reaches here lies inside
    // the image but for rounding of a rescaled region.
    const int left = std::clamp(x, 0, in.width() - 1);
    const int top = std::clamp(y, 0, in.height() - 1);
    const int w = std::min(width, in.width() - left);
    const int h = std::min(height, in.height() - top);
    if (left == 0 && top == 0 && w == in.width() && h == in.height()) return in;
    return in.extract_area(left, top, w, h);
}

} // namespace imgpipe
