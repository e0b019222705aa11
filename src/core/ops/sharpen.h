#pragma once

#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// sharpen[:<sigma>]: an unsharp mask (libvips sharpen, its other parameters at their defaults);
// sigma in pixels, 0 < sigma <= 1000, 1 when omitted. Canonical form always names the sigma.
struct Sharpen {
    static constexpr std::string_view names[] = {"sharpen"};
    static constexpr ArgDoc doc_args[] = {
        {.name = "sigma", .kind = ArgKind::number, .summary = "sigma in pixels", .example = "0.5", .optional = true,
         .default_value = "1", .min = 0, .max = 1000, .min_exclusive = true},
    };
    static constexpr FormDoc doc_forms[] = {{"[{sigma}]", "an unsharp mask on lightness", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"sharpen", "sharpen:1", "sigma 1"},
        {"scale:400x|sharpen:0.5", "scale:400x|sharpen:0.5", "after a downscale, where it shows"},
    };
    static constexpr OpDoc doc{"Sharpens (unsharp mask); put it after a scale for thumbnails.", doc_forms,
                               doc_examples};
    // A barrier: sharpening works at the pixel scale of the image it runs on. Before a downscale
    // the literal chain loses most of it; run rescaled on a shrunk decode it would sharpen at the
    // output's scale and visibly differ from the literal result. So no shrink across it.
    static constexpr ShrinkRule shrink = ShrinkRule::barrier;
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return true; } // a convolution, like blur
    static constexpr double default_sigma = 1.0;

    double sigma = default_sigma;

    static Sharpen parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    bool renders_first() const { return true; } // as blur does, for the same reason
    Size output_size(Size in) const { return in; }
    Sharpen rescaled(double, double) const { return *this; } // never runs shrunk (barrier)
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

} // namespace imgpipe
