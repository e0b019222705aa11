#pragma once

#include "core/config.h"

#include <string>

namespace imgpipe::cli {

// `imgpipe serve`: the HTTP service. Returns the process exit code.
int serve(const Config& config, bool print_config);

struct TransformArgs {
    std::string input;
    std::string output;
    std::string chain;
    bool literal = false; // every op at full resolution, in order (the planner's reference)
};
// `imgpipe transform IN OUT 'ops'`: the same engine, offline. Returns the process exit code.
int transform(const Config& config, const TransformArgs& args);

} // namespace imgpipe::cli
