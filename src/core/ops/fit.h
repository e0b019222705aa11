#pragma once

#include "core/ops/gravity.h"
#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// fit:<W>x<H>[:<mode>[:<gravity>]] resizes keeping the aspect ratio (sides rounded to the nearest
// pixel):
//   inside (default)  the largest picture within W x H
//   cover             fills W x H exactly; the overflow is cropped by gravity (incl. smart, entropy)
//   contain           inside, padded to exactly W x H with the background (transparent when the
//                     chain has none), the picture placed by gravity (center by default)
//   outside           the smallest picture covering W x H, not cropped
struct Fit {
    enum class Mode { inside, cover, contain, outside };

    static constexpr std::string_view names[] = {"fit"};
    // A resize: the planner shrinks on load towards output_size. For cover and contain that is the
    // box, i.e. s = max(W / w, H / h): exactly cover's scale and more than contain's (conservative).
    static constexpr ShrinkRule shrink = ShrinkRule::resizes;
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return false; }

    int width = 0;
    int height = 0;
    Mode mode = Mode::inside;
    Gravity gravity = Gravity::center; // cover and contain only

    static Fit parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const;
    Fit rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;

    // The picture before cropping or padding: within the box (inside, contain) or covering it.
    Size scaled_size(Size in) const;
};

} // namespace imgpipe
