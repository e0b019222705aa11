#pragma once

#include "core/ops/convert.h"
#include "core/ops/rotate.h"
#include "core/ops/scale.h"

#include <string>
#include <variant>
#include <vector>

namespace imgpipe {

using Op = std::variant<Rotate, Scale, Convert>;

// A parsed, canonical op chain. `canonical()` is the storage key suffix: equivalent requests give
// the same string.
struct Chain {
    std::vector<Op> ops;

    bool empty() const { return ops.empty(); }
    std::string canonical() const;
};

std::string op_canonical(const Op& op);

} // namespace imgpipe
