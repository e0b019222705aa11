#pragma once

#include "core/ops/format.h"

#include <string>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// convert:<jpeg|png|webp|gif|tiff|avif> (jpg, tif aliases). Only the last convert of a chain picks
// the encoding; each one flattens transparency onto white at its point in the chain when its
// format has no alpha.
struct Convert {
    Format format = Format::jpeg;

    static Convert parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    vips::VImage apply(const vips::VImage& in) const;
};

vips::VImage flatten_onto_white(const vips::VImage& in);

} // namespace imgpipe
