#include "core/ops/grayscale.h"

#include "core/errors.h"

namespace imgpipe {

Grayscale Grayscale::parse(std::string_view args) {
    if (!args.empty()) throw Error(ErrorCode::invalid_chain, "takes no argument: write grayscale");
    return {};
}

vips::VImage Grayscale::apply(const vips::VImage& in, ChainContext&) const {
    // Decoded images are 8-bit sRGB or grey (load.h); extra bands (alpha) pass through.
    const VipsInterpretation from = in.bands() <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    const auto source_space = vips::VImage::option()->set("source_space", from);
    const vips::VImage grey = in.colourspace(VIPS_INTERPRETATION_B_W, source_space);
    return grey.colourspace(VIPS_INTERPRETATION_sRGB,
                            vips::VImage::option()->set("source_space", VIPS_INTERPRETATION_B_W))
        .cast(in.format());
}

} // namespace imgpipe
