#pragma once

#include "core/config.h"
#include "core/pipeline/plan.h"

#include <chrono>
#include <string>

namespace imgpipe {

struct Encoded {
    std::string bytes;
    Format format = Format::jpeg;
    int width = 0;
    int height = 0;
};

// Runs a plan on the image at `path`: one decode, the ops, one encode. libvips evaluation is
// killed when `deadline` passes (Error(timeout)); broken pixel data gives Error(undecodable).
Encoded execute(const std::string& path, const Plan& plan, const OutputConfig& output,
                std::chrono::steady_clock::time_point deadline);

} // namespace imgpipe
