#pragma once

#include "core/config.h"
#include "core/pipeline/plan.h"

#include <chrono>
#include <string>

namespace imgpipe {

struct Encoded {
    std::string bytes;
    Format format = Format::jpeg;
    int width = 0;  // of each frame
    int height = 0;
    int frames = 1; // an animated output: its frames
};

// Where a transform's time went, stage by stage (for imgpipe_pipeline_seconds). libvips is lazy:
// a loader only reads the header and sets up shrink-on-load, ops only link operations into a
// graph, and the pixels are decoded, processed and encoded in one pass that the encoder pulls
// through. So the stages that can be told apart honestly are:
//   open:  finding and opening the source (storage look-ups, header probe, loader set-up; for a
//          mipmap, reading its pixels into memory),
//   build: planning the chain and linking the op graph,
//   run:   computing every pixel: decode + ops + encode in one pass (and the copies to memory
//          some chains need part-way, which decode and process too),
//   store: hashing and storing the result.
// The clock charges the time since its last switch to the stage it is in.
class StageClock {
public:
    enum Stage { open, build, run, store, count };
    StageClock() : since_(std::chrono::steady_clock::now()) {}
    void enter(Stage s) {
        const auto now = std::chrono::steady_clock::now();
        seconds_[current_] += std::chrono::duration<double>(now - since_).count();
        current_ = s;
        since_ = now;
    }
    // The seconds charged so far (call enter() first to charge the stage in progress).
    double seconds(Stage s) const { return seconds_[s]; }

private:
    double seconds_[count] = {};
    Stage current_ = open;
    std::chrono::steady_clock::time_point since_;
};

// Runs a plan on the image at `path`: one decode, the ops, one encode. libvips evaluation is
// killed when `deadline` passes (Error(timeout)); broken pixel data gives Error(undecodable).
// `clock`, if given, is switched between open, build and run as the work goes.
Encoded execute(const std::string& path, const Plan& plan, const OutputConfig& output,
                std::chrono::steady_clock::time_point deadline, StageClock* clock = nullptr);

// The same from an already decoded reduced copy of the source (a mipmap: upright, sRGB or grey,
// 8-bit, at least plan.shrink_on_load in both directions), instead of decoding the file.
Encoded execute_from(const vips::VImage& reduced, const Plan& plan, const OutputConfig& output,
                     std::chrono::steady_clock::time_point deadline, StageClock* clock = nullptr);

} // namespace imgpipe
