#pragma once

#include "core/ops/background.h"
#include "core/ops/blur.h"
#include "core/ops/convert.h"
#include "core/ops/crop.h"
#include "core/ops/fit.h"
#include "core/ops/flip.h"
#include "core/ops/grayscale.h"
#include "core/ops/op_traits.h"
#include "core/ops/quality.h"
#include "core/ops/rotate.h"
#include "core/ops/scale.h"
#include "core/ops/sharpen.h"

#include <string>
#include <variant>
#include <vector>

namespace imgpipe {

// The op list: adding an op is its own files, one entry here, and its tests.
using Op = std::variant<Rotate, Scale, Convert, Crop, Fit, Flip, Blur, Sharpen, Grayscale, Background, Quality>;

namespace detail {
template <class V>
struct AllOps;
template <class... Ts>
struct AllOps<std::variant<Ts...>> : std::bool_constant<(OpType<Ts> && ...)> {};
} // namespace detail
static_assert(detail::AllOps<Op>::value, "every op declares what OpType requires (op_traits.h)");

// A parsed, canonical op chain. `canonical()` is the storage key suffix: equivalent requests give
// the same string.
struct Chain {
    std::vector<Op> ops;

    bool empty() const { return ops.empty(); }
    std::string canonical() const;
};

std::string op_canonical(const Op& op);
ShrinkRule op_shrink_rule(const Op& op);
double op_shrink_oversample(const Op& op);
bool op_random_access(const Op& op);
bool op_renders_first(const Op& op);
Size op_output_size(const Op& op, Size in);
Op op_rescaled(const Op& op, double fx, double fy);
vips::VImage op_apply(const Op& op, const vips::VImage& in, ChainContext& ctx);

template <class T>
bool is(const Op& op) { return std::holds_alternative<T>(op); }

} // namespace imgpipe
