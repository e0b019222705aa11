#include "core/ops/sharpen.h"

#include "core/ops/sigma.h"

namespace imgpipe {

Sharpen Sharpen::parse(std::string_view args) {
    if (args.empty()) return Sharpen{};
    return Sharpen{parse_sigma(args, "sharpen, sharpen:1 or sharpen:0.5")};
}

std::string Sharpen::canonical() const { return "sharpen:" + format_sigma(sigma); }

vips::VImage Sharpen::apply(const vips::VImage& in, ChainContext&) const {
    // libvips sharpens the lightness of LabS and converts back to the input's interpretation;
    // alpha passes through untouched. Grey input stays grey.
    return in.sharpen(vips::VImage::option()->set("sigma", sigma)).cast(in.format());
}

} // namespace imgpipe
