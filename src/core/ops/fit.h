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
    static constexpr ChoiceDoc doc_modes[] = {
        {"inside", "the largest picture within the box"},
        {"cover", "fills the box; the overflow is cropped (centred)"},
        {"contain", "inside, padded to the box (transparent, or the chain's background)"},
        {"outside", "the smallest picture covering the box, not cropped"},
    };
    static constexpr ChoiceDoc doc_placed_modes[] = {
        {"cover", "fills the box; gravity says which part is kept"},
        {"contain", "inside, padded to the box; gravity says where the picture sits"},
    };
    static constexpr ArgDoc doc_width{.name = "width", .kind = ArgKind::integer, .summary = "box width",
                                      .example = "300", .min = 1, .max = 10'000'000};
    static constexpr ArgDoc doc_height{.name = "height", .kind = ArgKind::integer, .summary = "box height",
                                       .example = "200", .min = 1, .max = 10'000'000};
    static constexpr ArgDoc doc_args[] = {
        doc_width, doc_height,
        {.name = "mode", .kind = ArgKind::choice, .summary = "how the picture meets the box", .example = "cover",
         .optional = true, .default_value = "inside", .choices = doc_modes},
    };
    static constexpr ArgDoc doc_placed_args[] = {
        doc_width, doc_height,
        {.name = "mode", .kind = ArgKind::choice, .summary = "cover or contain", .example = "cover",
         .choices = doc_placed_modes},
        {.name = "gravity", .kind = ArgKind::gravity,
         .summary = "cover: the part kept; contain: where the picture sits", .example = "north"},
    };
    static constexpr FormDoc doc_forms[] = {
        {"{width}x{height}[:{mode}]", "fits the picture to a box", doc_args},
        {"{width}x{height}:{mode}:{gravity}", "covers or is contained by a box, placed by gravity",
         doc_placed_args},
    };
    static constexpr ExampleDoc doc_examples[] = {
        {"fit:300x300", "fit:300x300", "within 300 x 300"},
        {"fit:200x200:cover:smart", "fit:200x200:cover:smart", "fills 200 x 200, cropping by content"},
        {"fit:300x200:contain:north", "fit:300x200:contain:north", "padded to 300 x 200, the picture at the top"},
    };
    static constexpr OpDoc doc{"Resizes keeping the aspect ratio to fit a box: inside, cover, contain or outside.",
                               doc_forms, doc_examples};
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
