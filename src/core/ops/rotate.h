#pragma once

#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <utility>
#include <vips/vips8>

namespace imgpipe {

// rotate:<degrees>. Positive turns counter-clockwise (as PIL's rotate did); the canvas grows to
// hold the whole picture and the new corners are transparent (flattened onto white by formats
// without alpha). Multiples of 90 are exact pixel moves.
// With a background (background:<hex> earlier in the chain) the corners take that colour.
struct Rotate {
    static constexpr std::string_view names[] = {"rotate"};
    static constexpr ArgDoc doc_args[] = {
        {.name = "degrees", .kind = ArgKind::number, .summary = "any real angle; positive turns counter-clockwise",
         .example = "20"},
    };
    static constexpr FormDoc doc_forms[] = {{"{degrees}", "turns by that angle", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"rotate:10", "rotate:10", "10 degrees counter-clockwise"},
        {"rotate:370", "rotate:10", "angles count modulo 360"},
        {"rotate:-90", "rotate:270", "a right angle is an exact pixel move"},
        {"background:000|rotate:10|convert:jpeg", "background:000000|rotate:10|convert:jpeg",
         "black corners instead of white"},
    };
    static constexpr OpDoc doc{"Turns the picture; the canvas grows to hold it and the new corners are transparent "
                               "(white without alpha) or the chain's background.",
                               doc_forms, doc_examples};
    static constexpr ShrinkRule shrink = ShrinkRule::commutes;
    static constexpr double shrink_oversample = 2.0;
    bool random_access() const { return true; }

    double degrees = 0; // normalised to [0, 360)

    static Rotate parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return degrees == 0; }
    bool is_right_angle() const;
    // An affine rotation read by a resize or another rotation is pathologically slow as one lazy
    // graph (every thin output strip re-reads a tall input region): the executor renders it first.
    bool renders_first() const { return !is_right_angle(); }
    Size output_size(Size in) const;
    Rotate rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

} // namespace imgpipe
