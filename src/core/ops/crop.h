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
    static constexpr ArgDoc doc_region[] = {
        {.name = "x", .kind = ArgKind::integer, .summary = "left edge", .example = "10", .min = 0, .max = 10'000'000},
        {.name = "y", .kind = ArgKind::integer, .summary = "top edge", .example = "20", .min = 0, .max = 10'000'000},
        {.name = "width", .kind = ArgKind::integer, .summary = "region width", .example = "300", .min = 1,
         .max = 10'000'000},
        {.name = "height", .kind = ArgKind::integer, .summary = "region height", .example = "200", .min = 1,
         .max = 10'000'000},
    };
    static constexpr ArgDoc doc_placed[] = {
        {.name = "width", .kind = ArgKind::integer, .summary = "region width", .example = "300", .min = 1,
         .max = 10'000'000},
        {.name = "height", .kind = ArgKind::integer, .summary = "region height", .example = "200", .min = 1,
         .max = 10'000'000},
        {.name = "gravity", .kind = ArgKind::gravity,
         .summary = "where the region is taken: a side or corner, or by content (smart, entropy)",
         .example = "north", .optional = true, .default_value = "center"},
    };
    static constexpr FormDoc doc_forms[] = {
        {"{width}x{height}[:{gravity}]", "a region of that size placed by gravity (clipped to the image)",
         doc_placed},
        {"{x},{y},{width},{height}", "that region, in pixels of the image at this point of the chain",
         doc_region},
    };
    static constexpr ExampleDoc doc_examples[] = {
        {"crop:100,50,640,480", "crop:100,50,640,480", "640 x 480 from (100, 50)"},
        {"crop:400x400:smart", "crop:400x400:smart", "the most interesting 400 x 400"},
        {"crop:300x200:top", "crop:300x200:north", "top is an alias of north"},
    };
    static constexpr OpDoc doc{"Keeps a region, clipped to the image.", doc_forms, doc_examples};
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
