#pragma once

#include "core/config.h"
#include "core/ops/op.h"
#include "core/pipeline/load.h"

#include <optional>
#include <vector>

namespace imgpipe {

struct Size {
    int width = 0;
    int height = 0;
};

// How a chain will run: one decode (optionally shrunk on load), the ops in order, one encode.
struct Plan {
    std::optional<Size> shrink_on_load; // decode straight to about this size (upright)
    std::vector<Op> ops;                // applied in order after the decode
    Format output = Format::jpeg;
    Size output_size;                   // predicted
};

enum class PlanMode {
    planned, // shrink-on-load when the chain allows it
    literal, // every op at full resolution, in order: the reference for tests and benchmarks
};

// Checks the output limits on every step (throws Error(output_too_large)) and picks the
// shrink-on-load size. The only reordering is "uniform shrink before the first scale": it is
// applied when everything before that scale is a rotate or a convert (both commute with a uniform
// scale) and the scale reduces the image in both directions (see PLANNING.md).
Plan make_plan(const Chain& chain, const SourceInfo& source, const LimitsConfig& limits,
               PlanMode mode = PlanMode::planned);

} // namespace imgpipe
