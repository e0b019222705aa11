#pragma once

#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// flip:h mirrors left-right, flip:v upside-down ("horizontal", "vertical", "x", "y" are aliases).
struct Flip {
    static constexpr std::string_view names[] = {"flip"};
    static constexpr std::string_view doc_h_aliases[] = {"horizontal", "x"};
    static constexpr std::string_view doc_v_aliases[] = {"vertical", "y"};
    static constexpr ChoiceDoc doc_directions[] = {
        {"h", "mirror left-right", doc_h_aliases},
        {"v", "upside-down", doc_v_aliases},
    };
    static constexpr ArgDoc doc_args[] = {
        {.name = "direction", .kind = ArgKind::choice, .summary = "h: left-right, v: upside-down", .example = "h",
         .choices = doc_directions},
    };
    static constexpr FormDoc doc_forms[] = {{"{direction}", "mirrors the picture", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"flip:h", "flip:h", "mirror left-right"},
        {"flip:vertical", "flip:v", "upside-down"},
    };
    static constexpr OpDoc doc{"Mirrors the picture.", doc_forms, doc_examples};
    static constexpr ShrinkRule shrink = ShrinkRule::commutes; // a mirror of the shrunk image
    static constexpr double shrink_oversample = 1.0;
    // flip:v reads its input bottom-up, which a shrink-on-load decode (streaming top to bottom)
    // cannot serve; the property is per type, so flip:h says so too.
    bool random_access() const { return !horizontal; } // a vertical flip reads bottom-up

    bool horizontal = true; // false: vertical

    static Flip parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const { return horizontal ? "flip:h" : "flip:v"; }
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const { return in; }
    Flip rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

} // namespace imgpipe
