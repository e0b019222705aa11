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

// Runs a plan on the image at `path`: one decode, the ops, one encode. libvips evaluation is
// killed when `deadline` passes (Error(timeout)); broken pixel data gives Error(undecodable).
Encoded execute(const std::string& path, const Plan& plan, const OutputConfig& output,
                std::chrono::steady_clock::time_point deadline);

// The same from an already decoded reduced copy of the source (a mipmap: upright, sRGB or grey,
// 8-bit, at least plan.shrink_on_load in both directions), instead of decoding the file.
Encoded execute_from(const vips::VImage& reduced, const Plan& plan, const OutputConfig& output,
                     std::chrono::steady_clock::time_point deadline);

} // namespace imgpipe
