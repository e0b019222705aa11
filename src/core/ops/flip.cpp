#include "core/ops/flip.h"

#include "core/errors.h"

namespace imgpipe {

Flip Flip::parse(std::string_view args) {
    if (args == "h" || args == "horizontal" || args == "x") return Flip{true};
    if (args == "v" || args == "vertical" || args == "y") return Flip{false};
    throw Error(ErrorCode::invalid_chain, "expects h (left-right) or v (upside-down), like flip:h");
}

vips::VImage Flip::apply(const vips::VImage& in, ChainContext&) const {
    return in.flip(horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL);
}

} // namespace imgpipe
