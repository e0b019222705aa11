#pragma once

#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// grayscale (greyscale): the picture in grey, still as 3-band sRGB (r = g = b) so that every
// encoder and every later op sees the bands it expects; alpha is kept.
struct Grayscale {
    static constexpr std::string_view names[] = {"grayscale", "greyscale"};
    static constexpr FormDoc doc_forms[] = {{"", "takes no argument"}};
    static constexpr ExampleDoc doc_examples[] = {
        {"grayscale", "grayscale", "the picture in grey"},
        {"greyscale|grayscale", "grayscale", "greyscale is an alias; twice is once"},
    };
    static constexpr OpDoc doc{"The picture in grey (still RGB), alpha kept.", doc_forms, doc_examples};
    static constexpr ShrinkRule shrink = ShrinkRule::commutes; // per pixel
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return false; }

    static Grayscale parse(std::string_view args); // takes no argument
    std::string canonical() const { return "grayscale"; }
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const { return in; }
    Grayscale rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

} // namespace imgpipe
