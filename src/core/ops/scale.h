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
    static constexpr ArgDoc doc_width{.name = "width", .kind = ArgKind::integer, .summary = "width in pixels",
                                      .example = "300", .min = 1, .max = 10'000'000};
    static constexpr ArgDoc doc_height{.name = "height", .kind = ArgKind::integer, .summary = "height in pixels",
                                       .example = "200", .min = 1, .max = 10'000'000};
    static constexpr ArgDoc doc_both[] = {doc_width, doc_height};
    static constexpr ArgDoc doc_w[] = {doc_width};
    static constexpr ArgDoc doc_h[] = {doc_height};
    static constexpr FormDoc doc_forms[] = {
        {"{width}x", "that width, keeping the aspect ratio", doc_w},
        {"x{height}", "that height, keeping the aspect ratio", doc_h},
        {"{width}x{height}", "exactly width x height (the aspect may change)", doc_both},
    };
    static constexpr ExampleDoc doc_examples[] = {
        {"scale:200x100", "scale:200x100", "exactly 200 x 100"},
        {"scale:300x", "scale:300x", "300 wide, height keeping the aspect ratio"},
        {"resize:x100", "scale:x100", "resize is an alias"},
    };
    static constexpr OpDoc doc{"Resizes to a size, or to a width or height keeping the aspect ratio.", doc_forms,
                               doc_examples};
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
