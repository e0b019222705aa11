#include "core/pipeline/plan.h"

#include "core/errors.h"

#include <algorithm>
#include <cmath>

namespace imgpipe {

namespace {

Size size_after(const Op& op, Size in) {
    if (const auto* r = std::get_if<Rotate>(&op)) {
        auto [w, h] = r->output_size(in.width, in.height);
        return {w, h};
    }
    if (const auto* s = std::get_if<Scale>(&op)) {
        auto [w, h] = s->output_size(in.width, in.height);
        return {w, h};
    }
    return in;
}

// A rotation interpolates between neighbouring pixels, which blurs at the scale it runs at. When
// it runs on a shrunk image it gets twice the pixels the next scale needs, so that blur falls
// below the final pixel size: measured 30-36 dB -> 36-38 dB PSNR against the literal chain, for a
// rotation on a few hundred pixels more.
constexpr double kRotateOversample = 2.0;
} // namespace

Plan make_plan(const Chain& chain, const SourceInfo& source, const LimitsConfig& limits,
               PlanMode mode) {
    Plan plan;
    plan.ops = chain.ops;
    plan.output = source.default_output;

    // Intermediate steps may be as large as the source turned by any angle, or the output limit.
    const Size source_size{source.width, source.height};
    const int diagonal = static_cast<int>(
        std::ceil(std::hypot(static_cast<double>(source.width), static_cast<double>(source.height))));
    const int step_max_w = std::max(limits.max_output_width, diagonal);
    const int step_max_h = std::max(limits.max_output_height, diagonal);

    std::vector<Size> sizes{source_size}; // sizes[i] = size before op i
    for (const auto& op : chain.ops) {
        const Size next = size_after(op, sizes.back());
        if (next.width > step_max_w || next.height > step_max_h) {
            throw Error(ErrorCode::output_too_large,
                        "'" + op_canonical(op) + "' would make a " + std::to_string(next.width) +
                            "x" + std::to_string(next.height) + " image; the limit is " +
                            std::to_string(limits.max_output_width) + "x" +
                            std::to_string(limits.max_output_height));
        }
        sizes.push_back(next);
        if (const auto* c = std::get_if<Convert>(&op)) plan.output = c->format;
    }
    plan.output_size = sizes.back();
    if (plan.output_size.width > limits.max_output_width ||
        plan.output_size.height > limits.max_output_height) {
        throw Error(ErrorCode::output_too_large,
                    "the result would be " + std::to_string(plan.output_size.width) + "x" +
                        std::to_string(plan.output_size.height) + "; the limit is " +
                        std::to_string(limits.max_output_width) + "x" +
                        std::to_string(limits.max_output_height));
    }

    if (mode == PlanMode::literal) return plan;
    const auto first_scale = std::find_if(plan.ops.begin(), plan.ops.end(), [](const Op& op) {
        return std::holds_alternative<Scale>(op);
    });
    if (first_scale == plan.ops.end()) return plan;
    const auto index = static_cast<size_t>(first_scale - plan.ops.begin());
    const Size before = sizes[index], target = sizes[index + 1];
    const bool rotates_first = std::any_of(plan.ops.begin(), first_scale, [](const Op& op) {
        return std::holds_alternative<Rotate>(op);
    });
    // s = max(W / bw, H / bh): the smallest uniform shrink that keeps enough pixels for the scale.
    const double s = std::max(static_cast<double>(target.width) / before.width,
                              static_cast<double>(target.height) / before.height) *
                     (rotates_first ? kRotateOversample : 1.0);
    if (s >= 1.0) return plan; // an upscale in some direction needs every source pixel
    const Size shrunk{std::max(1, static_cast<int>(std::ceil(source.width * s))),
                      std::max(1, static_cast<int>(std::ceil(source.height * s)))};
    // Worth it only when it saves real work; small shrinks gain nothing from a second resize.
    if (shrunk.width * 4 > source.width * 3) return plan;
    plan.shrink_on_load = shrunk;
    return plan;
}

} // namespace imgpipe
