#pragma once

#include "core/ops/gravity.h"
#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// crop:<x>,<y>,<w>,<h> keeps that region (pixels of the image at that point of the chain), clipped
// to the image; a region wholly outside it is refused when the chain is planned (output_size).
// crop:<w>x<h>[:<gravity>] keeps a w x h region placed by gravity (center by default; smart and
// entropy pick it by content); larger than the image, it is clipped to it.
struct Crop {
    static constexpr std::string_view names[] = {"crop"};
    // A uniform shrink before a crop is the crop of the shrunk image with the region scaled
    // (rescaled). smart/entropy too, because they score a copy of fixed size (gravity.cpp), so
    // the shrunk image yields about the same region; the plan tests hold them to 30 dB.
    static constexpr ShrinkRule shrink = ShrinkRule::commutes;
    static constexpr double shrink_oversample = 1.0;
    // smart and entropy read their input twice (score, then extract), which a shrink-on-load
    // decode streaming top to bottom cannot serve (the executor then renders the shrunk image,
    // small by construction, into memory); a region or gravity crop reads in order.
    bool random_access() const { return by_gravity && (gravity == Gravity::smart || gravity == Gravity::entropy); }

    bool by_gravity = false; // false: the region x, y, width, height
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
    Gravity gravity = Gravity::center;

    static Crop parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    // Throws Error(invalid_chain) for a region wholly outside `in`.
    Size output_size(Size in) const;
    Crop rescaled(double fx, double fy) const;
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

} // namespace imgpipe
