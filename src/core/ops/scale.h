#pragma once

#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <utility>
#include <vips/vips8>

namespace imgpipe {

// scale:<W>x<H> resizes to exactly W x H (as PIL's resize did, aspect may change);
// scale:<W>x and scale:x<H> keep the aspect ratio. resize: is an alias.
struct Scale {
    static constexpr std::string_view names[] = {"scale", "resize"};
    static constexpr ShrinkRule shrink = ShrinkRule::resizes;
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return false; }

    int width = 0;  // 0: derived from height, keeping aspect
    int height = 0; // 0: derived from width, keeping aspect

    static Scale parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const;
    Scale rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

// `in` resized to exactly `target` (premultiplied when it has alpha, so edges do not darken);
// the resize of scale and fit.
vips::VImage resize_exact(const vips::VImage& in, Size target);

} // namespace imgpipe
