#pragma once

#include "core/formats/format.h"
#include "core/ops/op_traits.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// convert:<jpeg|png|webp|gif|tiff|avif> (jpg, tif aliases). Only the last convert of a chain picks
// the encoding; each one flattens transparency onto the background (white by default) at its
// point in the chain when its format has no alpha.
// convert:auto (`negotiate`) is content negotiation: the HTTP API replaces it with a concrete
// convert chosen from the request's Accept header (core/ops/negotiate.h) before the chain is
// stored, signed-checked against or planned; it never reaches the executor.
struct Convert {
    static constexpr std::string_view names[] = {"convert"};
    static constexpr ArgDoc doc_args[] = {
        {.name = "format", .kind = ArgKind::format,
         .summary = "output format; auto chooses from the request's Accept header (AVIF, WebP, else JPEG or PNG)",
         .example = "webp"},
    };
    static constexpr FormDoc doc_forms[] = {{"{format}", "encodes the result in that format", doc_args}};
    static constexpr ExampleDoc doc_examples[] = {
        {"convert:png", "convert:png", "a PNG"},
        {"convert:jpg", "convert:jpeg", "jpg is an alias"},
        {"scale:200x|convert:auto", "scale:200x|convert:auto", "AVIF or WebP when the browser takes them"},
    };
    static constexpr OpDoc doc{"Picks the output format (the last convert counts); formats without alpha flatten "
                               "transparency onto the background, white by default.",
                               doc_forms, doc_examples};
    static constexpr ShrinkRule shrink = ShrinkRule::commutes;
    static constexpr double shrink_oversample = 1.0;
    bool random_access() const { return false; }

    Format format = Format::jpeg;
    bool negotiate = false; // convert:auto; `format` is meaningless until resolved

    bool same_as(const Convert& o) const { return negotiate == o.negotiate && (negotiate || format == o.format); }

    static Convert parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return false; }
    bool renders_first() const { return false; }
    Size output_size(Size in) const { return in; }
    Convert rescaled(double, double) const { return *this; }
    vips::VImage apply(const vips::VImage& in, ChainContext& ctx) const;
};

// Transparency flattened onto the chain's background (white when it has none).
vips::VImage flatten(const vips::VImage& in, const ChainContext& ctx);

} // namespace imgpipe
