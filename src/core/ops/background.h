#pragma once

#include "core/ops/op_traits.h"

#include <array>
#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// background:<hex>: RGB or RGBA as rrggbb, rrggbbaa, rgb or rgba (ff8800, 00000000, f80). From
// here on it fills the new corners of rotations and padding, and transparency is flattened onto
// it (its alpha is then ignored). Canonical: 6 digits when opaque, else 8, lower case.
struct Background {
    static constexpr std::string_view names[] = {"background"};
    static constexpr ArgDoc doc_args[] = {
        {.name = "color", .kind = ArgKind::color, .summary = "hex rrggbb or rrggbbaa (also rgb, rgba)",
         .example = "ff8800"},
    };
    static constexpr FormDoc doc_forms[] = {{"{color}", "the colour of what follows", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"background:f80|rotate:10", "background:ff8800|rotate:10", "orange corners"},
        {"background:00000000|fit:300x300:contain", "background:00000000|fit:300x300:contain",
         "transparent padding"},
    };
    static constexpr OpDoc doc{"From here on fills new corners and padding, and transparency is flattened onto it.",
                               doc_forms, doc_examples};
    static constexpr ShrinkRule shrink = ShrinkRule::commutes; // touches no pixel
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return false; }

    std::array<int, 4> rgba{255, 255, 255, 255};

    static Background parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const { return in; }
    Background rescaled(double, double) const { return *this; }
    // Sets ctx.background (r, g, b, a in 0-255); the image passes unchanged.
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
    bool operator==(const Background&) const = default;
};

} // namespace imgpipe
