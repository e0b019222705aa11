#include "core/ops/blur.h"

#include "core/ops/sigma.h"

namespace imgpipe {

Blur Blur::parse(std::string_view args) { return Blur{parse_sigma(args, "blur:2 or blur:0.5")}; }

std::string Blur::canonical() const { return "blur:" + format_sigma(sigma); }

vips::VImage Blur::apply(const vips::VImage& in, ChainContext&) const {
    // Below this libvips' mask is a single 1: the result is the input (a rescaled blur can get
    // here; gaussmat refuses a sigma of 0).
    if (sigma < 1e-3) return in;
    if (!in.has_alpha()) return in.gaussblur(sigma).cast(in.format());
    return in.premultiply().gaussblur(sigma).unpremultiply().cast(in.format());
}

} // namespace imgpipe
