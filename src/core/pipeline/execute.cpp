#include "core/pipeline/execute.h"

#include "core/errors.h"
#include "core/pipeline/save.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace imgpipe {

using vips::VImage;
using Clock = std::chrono::steady_clock;

namespace {

// libvips emits "eval" on an image while it computes it; killing the image makes the running
// sink stop and return an error.
void on_eval(VipsImage* image, VipsProgress*, void* deadline) {
    if (Clock::now() > *static_cast<Clock::time_point*>(deadline)) vips_image_set_kill(image, TRUE);
}

void watch(const VImage& img, Clock::time_point* deadline) {
    vips_image_set_progress(img.get_image(), TRUE);
    g_signal_connect(img.get_image(), "eval", G_CALLBACK(on_eval), deadline);
}

// An affine rotate followed by a resize or another rotate is pathologically slow as one lazy
// graph (every thin output strip re-reads a tall input region): render the rotation first.
bool must_materialise(const std::vector<Op>& ops, size_t i) {
    const auto* r = std::get_if<Rotate>(&ops[i]);
    if (!r || r->is_right_angle()) return false;
    for (size_t j = i + 1; j < ops.size(); ++j) {
        if (!std::holds_alternative<Convert>(ops[j])) return true;
    }
    return false;
}

bool needs_random_access(const std::vector<Op>& ops) {
    return std::any_of(ops.begin(), ops.end(),
                       [](const Op& op) { return std::holds_alternative<Rotate>(op); });
}

} // namespace

namespace {

// The ops and the encode, on a decoded source; libvips errors propagate.
Encoded run(VImage img, const Plan& plan, const OutputConfig& output, Clock::time_point& deadline) {
    for (size_t i = 0; i < plan.ops.size(); ++i) {
        img = std::visit([&](const auto& op) { return op.apply(img); }, plan.ops[i]);
        if (must_materialise(plan.ops, i)) {
            watch(img, &deadline);
            img = img.copy_memory();
        }
    }
    if (!format_has_alpha(plan.output)) img = flatten_onto_white(img);
    watch(img, &deadline);
    return Encoded{encode(img, plan.output, output), plan.output, img.width(), img.height()};
}

template <class Body>
Encoded guarded(Clock::time_point deadline, Body&& body) {
    try {
        return body(deadline);
    } catch (const vips::VError& e) {
        vips_error_clear();
        if (Clock::now() > deadline) {
            throw Error(ErrorCode::timeout, "processing took longer than the configured limit");
        }
        spdlog::warn("transform failed: {}", e.what());
        throw Error(ErrorCode::undecodable, kUndecodableMessage);
    }
}

} // namespace

Encoded execute(const std::string& path, const Plan& plan, const OutputConfig& output,
                Clock::time_point deadline) {
    return guarded(deadline, [&](Clock::time_point& d) {
        VImage img = plan.shrink_on_load
                         ? load_shrunk(path, plan.shrink_on_load->width, plan.shrink_on_load->height)
                         : load_full(path);
        // Shrink-on-load streams its input top to bottom; a rotation reads out of that order.
        // The shrunk image is small by construction, so it is rendered once into memory.
        if (plan.shrink_on_load && needs_random_access(plan.ops)) {
            watch(img, &d);
            img = img.copy_memory();
        }
        return run(img, plan, output, d);
    });
}

Encoded execute_from(const VImage& reduced, const Plan& plan, const OutputConfig& output,
                     Clock::time_point deadline) {
    return guarded(deadline, [&](Clock::time_point& d) {
        VImage img = reduced;
        if (plan.shrink_on_load) {
            // One uniform step down to the planned size (never below it in either direction).
            const double s = std::max(static_cast<double>(plan.shrink_on_load->width) / img.width(),
                                      static_cast<double>(plan.shrink_on_load->height) / img.height());
            if (s < 1.0) {
                const bool alpha = img.has_alpha();
                img = (alpha ? img.premultiply() : img).resize(s);
                if (alpha) img = img.unpremultiply().cast(VIPS_FORMAT_UCHAR);
            }
        }
        return run(img, plan, output, d);
    });
}

} // namespace imgpipe
