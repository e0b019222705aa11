#include "core/ops/fit.h"

#include "core/errors.h"
#include "core/ops/scale.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace imgpipe {

namespace {
constexpr const char* kUsage =
    "expects <width>x<height>[:<mode>[:<gravity>]], like fit:300x200 or fit:300x200:cover:north";

struct ModeName {
    std::string_view name;
    Fit::Mode mode;
};
constexpr ModeName kModes[] = {{"inside", Fit::Mode::inside},
                               {"cover", Fit::Mode::cover},
                               {"contain", Fit::Mode::contain},
                               {"outside", Fit::Mode::outside}};

std::string_view mode_name(Fit::Mode m) {
    for (const auto& n : kModes) {
        if (n.mode == m) return n.name;
    }
    return "inside";
}

// The padding, straight (not premultiplied): transparent by default, else the chain's background
// (r, g, b[, a] in 0-255; grey images take its luminance, as rotate and flatten do).
std::vector<double> padding(const vips::VImage& img, const ChainContext& ctx) {
    const auto bands = static_cast<size_t>(img.bands());
    std::vector<double> fill(bands, 0.0);
    if (ctx.background.empty()) return fill;
    const auto& bg = ctx.background;
    if (bands <= 2) fill[0] = 0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2];
    else for (size_t i = 0; i < 3; ++i) fill[i] = bg[i];
    if (img.has_alpha()) fill[bands - 1] = bg.size() > 3 ? bg[3] : 255.0;
    return fill;
}

bool background_is_opaque(const ChainContext& ctx) {
    return !ctx.background.empty() && (ctx.background.size() < 4 || ctx.background[3] >= 255.0);
}
} // namespace

Fit Fit::parse(std::string_view args) {
    Fit f;
    const auto colon = args.find(':');
    const Size box = parse_box(args.substr(0, colon), kUsage);
    f.width = box.width;
    f.height = box.height;
    if (colon == std::string_view::npos) return f;
    const auto rest = args.substr(colon + 1);
    const auto colon2 = rest.find(':');
    const auto mode = rest.substr(0, colon2);
    const auto* m = std::find_if(std::begin(kModes), std::end(kModes), [&](const ModeName& n) { return n.name == mode; });
    if (m == std::end(kModes)) {
        throw Error(ErrorCode::invalid_chain,
                    "has an unknown mode '" + std::string(mode) + "' (inside, cover, contain, outside)");
    }
    f.mode = m->mode;
    if (colon2 == std::string_view::npos) return f;
    const auto gravity = rest.substr(colon2 + 1);
    if (f.mode == Mode::inside || f.mode == Mode::outside) {
        throw Error(ErrorCode::invalid_chain, "takes a gravity only with cover or contain (nothing is cropped or padded)");
    }
    const auto g = parse_gravity(gravity);
    if (!g) {
        throw Error(ErrorCode::invalid_chain,
                    "has an unknown gravity '" + std::string(gravity) +
                        "' (center, north, south, east, west, northeast, northwest, southeast, southwest, "
                        "smart, entropy)");
    }
    if (f.mode == Mode::contain && by_content(*g)) {
        throw Error(ErrorCode::invalid_chain, "contain places the picture by position; smart and entropy only go with cover");
    }
    f.gravity = *g;
    return f;
}

std::string Fit::canonical() const {
    std::string s = "fit:" + std::to_string(width) + "x" + std::to_string(height);
    if (mode != Mode::inside || gravity != Gravity::center) s += ":" + std::string(mode_name(mode));
    if (gravity != Gravity::center) s += ":" + std::string(gravity_name(gravity));
    return s;
}

Size Fit::scaled_size(Size in) const {
    // Which side meets the box: compared exactly in integers (W / w <= H / h).
    const bool width_bound = static_cast<int64_t>(width) * in.height <= static_cast<int64_t>(height) * in.width;
    const bool inner = mode == Mode::inside || mode == Mode::contain;
    if (width_bound == inner) {
        return {width, std::max(1, static_cast<int>(std::lround(static_cast<double>(in.height) * width / in.width)))};
    }
    return {std::max(1, static_cast<int>(std::lround(static_cast<double>(in.width) * height / in.height))), height};
}

Size Fit::output_size(Size in) const {
    if (mode == Mode::cover || mode == Mode::contain) return {width, height};
    return scaled_size(in);
}

vips::VImage Fit::apply(const vips::VImage& in, ChainContext& ctx) const {
    using vips::VImage;
    VImage img = resize_exact(in, scaled_size({in.width(), in.height()}));
    if (mode == Mode::inside || mode == Mode::outside) return img;
    if (mode == Mode::cover) {
        // smartcrop reads its input twice (score, then extract); the resized picture is about the
        // size of the box, and rendering it keeps a streaming decode from being read twice.
        if (by_content(gravity)) img = img.copy_memory();
        return crop_by_gravity(img, {width, height}, gravity);
    }
    if (img.width() == width && img.height() == height) return img;
    if (!img.has_alpha() && !background_is_opaque(ctx)) img = img.bandjoin_const({255.0});
    const Offset o = place(gravity, {img.width(), img.height()}, {width, height});
    return img.embed(o.left, o.top, width, height,
                     VImage::option()->set("extend", VIPS_EXTEND_BACKGROUND)->set("background", padding(img, ctx)));
}

} // namespace imgpipe
