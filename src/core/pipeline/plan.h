#pragma once

#include "core/config.h"
#include "core/ops/op.h"
#include "core/pipeline/load.h"

#include <optional>
#include <vector>

namespace imgpipe {

// How a chain will run: one decode (optionally shrunk on load), the ops in order, one encode.
struct Plan {
    Size source;                        // upright size of the source
    std::optional<Size> shrink_on_load; // decode straight to about this size (upright)
    // With shrink_on_load, ops[0, shrunk_ops) run on the shrunk image: the executor rescales
    // them by the size it actually decoded to (op.rescaled).
    size_t shrunk_ops = 0;
    // With shrink_on_load, the size ops[shrunk_ops] (the first resize) makes at full resolution.
    // On the shrunk image the aspect ratio is off by the rounding of its sides, so a side the
    // resize derives from it (scale:300x, fit) may round the other way: the executor holds it to
    // this size.
    Size resized;
    std::vector<Op> ops;                // applied in order after the decode
    Format output = Format::jpeg;
    std::optional<int> quality;         // the last quality op's; else the configured default
    Size output_size;                   // predicted (of each frame)
    // An animated source: the frames it has. The output keeps them all when its format animates
    // (each op runs on each frame), else only the first frame is decoded.
    int source_frames = 1;
    int frames = 1; // of the output
};

enum class PlanMode {
    planned, // shrink-on-load when the chain allows it
    literal, // every op at full resolution, in order: the reference for tests and benchmarks
};

// Checks the output limits on every step (throws Error(output_too_large)) and picks the
// shrink-on-load size. The only reordering is "uniform shrink before the first resize": it is
// applied when every op before that resize commutes with a uniform shrink (ShrinkRule::commutes,
// declared by each op) and the resize reduces the image in both directions (see PLANNING.md).
// Animated sources never shrink on load; an animated output must keep every step's pixels over all
// frames within limits.max_animation_pixels (Error(output_too_large)).
Plan make_plan(const Chain& chain, const SourceInfo& source, const LimitsConfig& limits,
               PlanMode mode = PlanMode::planned);

} // namespace imgpipe
