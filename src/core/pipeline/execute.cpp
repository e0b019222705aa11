#include "core/pipeline/execute.h"

#include "core/errors.h"
#include "core/pipeline/save.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

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

// An op that renders first (an affine rotate) is read by a later resize or out-of-order op.
bool must_materialise(const std::vector<Op>& ops, size_t i) {
    if (!op_renders_first(ops[i])) return false;
    return std::any_of(ops.begin() + static_cast<std::ptrdiff_t>(i) + 1, ops.end(), [](const Op& op) {
        return op_random_access(op) || op_shrink_rule(op) == ShrinkRule::resizes;
    });
}

// The first resize after a shrink-on-load made a side a pixel off the plan (see Plan::resized):
// repeat or drop the last row or column, as Scale does for libvips' own rounding; resampling again
// would blur the whole picture for a pixel.
VImage hold_to(const VImage& img, Size size) {
    if (img.width() == size.width && img.height() == size.height) return img;
    return img
        .embed(0, 0, std::max(size.width, img.width()), std::max(size.height, img.height()),
               VImage::option()->set("extend", VIPS_EXTEND_COPY))
        .extract_area(0, 0, size.width, size.height);
}

bool needs_random_access(const std::vector<Op>& ops) {
    return std::any_of(ops.begin(), ops.end(), op_random_access);
}

// The optional stage clock; does nothing without one.
struct Phases {
    StageClock* clock;
    void enter(StageClock::Stage s) const {
        if (clock) clock->enter(s);
    }
    // A copy to memory computes the pixels up to there: run, then back to building the graph.
    VImage materialise(const VImage& img, Clock::time_point* deadline) const {
        enter(StageClock::run);
        watch(img, deadline);
        VImage out = img.copy_memory();
        enter(StageClock::build);
        return out;
    }
};

// A shrunk image is computed as it is read: shrink-on-load streams its input top to bottom, and a
// mipmap's resize computes its tiles on demand. An op that reads out of order (a rotation) would
// make it compute them again and again (from the mipmap ~3 ms of ~26 per rotate chain,
// bench/RESULTS.md); the shrunk image is small by construction, so it is rendered once into memory.
VImage rendered_for_ops(const VImage& shrunk, const Plan& plan, Clock::time_point& deadline,
                        const Phases& phases) {
    return needs_random_access(plan.ops) ? phases.materialise(shrunk, &deadline) : shrunk;
}

} // namespace

namespace {

// The ops on one decoded image (a still, or one frame of an animation); libvips errors propagate.
VImage apply_ops(VImage img, const Plan& plan, ChainContext& ctx, Clock::time_point& deadline,
                 const Phases& phases) {
    // The ops before the first resize run on the image as shrunk on load: their pixel parameters
    // follow the size it actually has (rounding makes it differ from the plan by a pixel or so).
    const double fx = static_cast<double>(img.width()) / plan.source.width;
    const double fy = static_cast<double>(img.height()) / plan.source.height;
    for (size_t i = 0; i < plan.ops.size(); ++i) {
        const Op& op = plan.ops[i];
        img = plan.shrink_on_load && i < plan.shrunk_ops ? op_apply(op_rescaled(op, fx, fy), img, ctx)
                                                         : op_apply(op, img, ctx);
        if (plan.shrink_on_load && i == plan.shrunk_ops) img = hold_to(img, plan.resized);
        if (must_materialise(plan.ops, i)) img = phases.materialise(img, &deadline);
    }
    return img;
}

Encoded finish(VImage img, const Plan& plan, const OutputConfig& output, const ChainContext& ctx,
               Clock::time_point& deadline, int frame_height, const Phases& phases) {
    if (!format_has_alpha(plan.output)) img = flatten(img, ctx);
    watch(img, &deadline);
    phases.enter(StageClock::run);
    return Encoded{encode(img, plan.output, output, plan.quality), plan.output, img.width(), frame_height,
                   img.height() / frame_height};
}

// The ops and the encode, on a decoded still image (or the one frame an output keeps).
Encoded run(VImage img, const Plan& plan, const OutputConfig& output, Clock::time_point& deadline,
            const Phases& phases) {
    ChainContext ctx;
    img = apply_ops(img, plan, ctx, deadline, phases);
    return finish(img, plan, output, ctx, deadline, img.height(), phases);
}

// An animation, decoded as a strip of equal frames (streamed top to bottom): the ops run on each
// frame (each op's output size depends only on its input size, so the frames stay equal; an op
// that chooses from the pixels, like a smart crop, would choose per frame), the frames are joined
// into a strip again and the savers (gifsave, webpsave) write every page-height rows as one frame,
// with the source's timing.
Encoded run_frames(const VImage& strip, const Plan& plan, const OutputConfig& output,
                   Clock::time_point& deadline, const Phases& phases) {
    const int page = strip.get_typeof(VIPS_META_PAGE_HEIGHT) != 0 ? strip.get_int(VIPS_META_PAGE_HEIGHT)
                                                                   : strip.height() / plan.frames;
    if (page <= 0 || strip.height() % page != 0) throw Error(ErrorCode::undecodable, kUndecodableMessage);
    ChainContext ctx;
    std::vector<VImage> frames;
    for (int top = 0; top < strip.height(); top += page) {
        ChainContext frame_ctx;
        VImage frame = strip.extract_area(0, top, strip.width(), page);
        // The strip streams top to bottom; an op that reads out of order gets its frame in memory
        // (frames are built in order, so the stream is read in order).
        if (needs_random_access(plan.ops)) frame = phases.materialise(frame, &deadline);
        frames.push_back(apply_ops(frame, plan, frame_ctx, deadline, phases));
        ctx = frame_ctx;
    }
    VImage out = VImage::arrayjoin(frames, VImage::option()->set("across", 1)).copy();
    out.set(VIPS_META_PAGE_HEIGHT, frames.front().height());
    // The timing travels on the strip; copy it explicitly (which op keeps which field is no
    // contract), and never strip it (save.cpp removes only EXIF, XMP, IPTC, ICC, orientation).
    for (const char* field : {"delay", "loop", "gif-delay", "gif-loop"}) {
        if (strip.get_typeof(field) == 0) {
            if (out.get_typeof(field) != 0) vips_image_remove(out.get_image(), field);
            continue;
        }
        GValue value = G_VALUE_INIT;
        vips_image_get(strip.get_image(), field, &value);
        vips_image_set(out.get_image(), field, &value);
        g_value_unset(&value);
    }
    return finish(out, plan, output, ctx, deadline, frames.front().height(), phases);
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
                Clock::time_point deadline, StageClock* clock) {
    const Phases phases{clock};
    return guarded(deadline, [&](Clock::time_point& d) {
        phases.enter(StageClock::open);
        // An animation keeps every frame when the output can (plan.frames), else its first.
        if (plan.source_frames > 1) {
            const VImage frames = load_frames(path, plan.frames > 1);
            phases.enter(StageClock::build);
            return plan.frames > 1 ? run_frames(frames, plan, output, d, phases)
                                   : run(frames, plan, output, d, phases);
        }
        VImage img = plan.shrink_on_load
                         ? load_shrunk(path, plan.shrink_on_load->width, plan.shrink_on_load->height)
                         : load_full(path);
        phases.enter(StageClock::build);
        if (plan.shrink_on_load) img = rendered_for_ops(img, plan, d, phases);
        return run(img, plan, output, d, phases);
    });
}

Encoded execute_from(const VImage& reduced, const Plan& plan, const OutputConfig& output,
                     Clock::time_point deadline, StageClock* clock) {
    const Phases phases{clock};
    return guarded(deadline, [&](Clock::time_point& d) {
        phases.enter(StageClock::build);
        VImage img = reduced;
        if (plan.shrink_on_load) {
            // One uniform step down to the planned size (never below it in either direction).
            const double s = std::max(static_cast<double>(plan.shrink_on_load->width) / img.width(),
                                      static_cast<double>(plan.shrink_on_load->height) / img.height());
            if (s < 1.0) {
                const bool alpha = img.has_alpha();
                img = (alpha ? img.premultiply() : img).resize(s);
                if (alpha) img = img.unpremultiply().cast(VIPS_FORMAT_UCHAR);
                img = rendered_for_ops(img, plan, d, phases);
            }
        }
        return run(img, plan, output, d, phases);
    });
}

} // namespace imgpipe
