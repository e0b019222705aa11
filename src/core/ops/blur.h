#pragma once

#include "core/ops/op_traits.h"

#include <cmath>
#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// blur:<sigma>: a gaussian blur (libvips gaussblur), sigma in pixels, 0 < sigma <= 1000.
// Transparent pixels do not bleed their (meaningless) colour: the blur runs premultiplied.
struct Blur {
    static constexpr std::string_view names[] = {"blur"};
    static constexpr ArgDoc doc_args[] = {
        {.name = "sigma", .kind = ArgKind::number, .summary = "gaussian sigma in pixels", .example = "2", .min = 0,
         .max = 1000, .min_exclusive = true},
    };
    static constexpr FormDoc doc_forms[] = {{"{sigma}", "a gaussian blur", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"blur:2", "blur:2", "a blur of sigma 2"},
        {"blur:0.5", "blur:0.5", "a light blur"},
        {"blur:2.0", "blur:2", "the same as blur:2"},
    };
    static constexpr OpDoc doc{"Blurs (gaussian); transparent areas do not bleed their colour.", doc_forms,
                               doc_examples};
    // A blur of sigma s on the full image, then a shrink by f, looks like a shrink by f then a
    // blur of s * f: the planner may decode shrunk and run the blur there (rescaled). A sigma
    // that becomes tiny is a near-identity, as the literal blur is mostly lost in the downscale.
    static constexpr ShrinkRule shrink = ShrinkRule::commutes;
    static constexpr double shrink_oversample = 1.0;
    // A convolution reads a band of rows around each output row; a large mask on a top-to-bottom
    // shrink-on-load decode would read behind its cache. The shrunk image is small: render it.
    bool random_access() const { return true; }

    double sigma = 1.0;

    static Blur parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    // Read lazily by a resize, each thin output strip recomputes the convolution over a tall
    // input band (measured: blur:6|scale:400x250 on 2560x1600, 0.5 s alone, 37 s together):
    // the executor renders it first, as it does an affine rotation.
    bool renders_first() const { return true; }
    Size output_size(Size in) const { return in; }
    Blur rescaled(double fx, double fy) const { return Blur{sigma * std::sqrt(fx * fy)}; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

} // namespace imgpipe
