#pragma once

#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// quality:<1-100>: the encoder quality of a lossy output (JPEG, WebP, AVIF), instead of the
// server's configured default. Only the last one counts (the plan passes it to the encoder);
// it touches no pixel, so the canonical chain keeps one, at the end, and none for a lossless
// output.
struct Quality {
    static constexpr std::string_view names[] = {"quality"};
    static constexpr ArgDoc doc_args[] = {
        {.name = "quality", .kind = ArgKind::integer, .summary = "1 (smallest) to 100 (best)", .example = "60",
         .min = 1, .max = 100},
    };
    static constexpr FormDoc doc_forms[] = {{"{quality}", "encoder quality of a lossy output", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"scale:400x|quality:60", "scale:400x|quality:60", "a smaller file"},
        {"quality:50|rotate:10|quality:70", "rotate:10|quality:70", "only the last one counts"},
    };
    static constexpr OpDoc doc{"Encoder quality of a lossy output (JPEG, WebP, AVIF) instead of the server's default.",
                               doc_forms, doc_examples};
    static constexpr ShrinkRule shrink = ShrinkRule::commutes;
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return false; }

    int value = 75;

    static Quality parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const { return "quality:" + std::to_string(value); }
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const { return in; }
    Quality rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext&) const { return in; }
};

} // namespace imgpipe
