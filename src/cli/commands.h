#pragma once

#include "core/config.h"

#include <string>

namespace imgpipe::cli {

// `imgpipe serve`: the HTTP service. Returns the process exit code.
int serve(const Config& config, bool print_config);

// `imgpipe worker`: a worker of the cluster (NATS jobs, images through the store).
int worker(const Config& config);

struct TransformArgs {
    std::string input;
    std::string output;
    std::string chain;
    bool literal = false; // every op at full resolution, in order (the planner's reference)
};
// `imgpipe transform IN OUT 'ops'`: the same engine, offline. Returns the process exit code.
int transform(const Config& config, const TransformArgs& args);

struct SignArgs {
    std::string target; // "<id>/<op chain>"
    std::string key;    // the server's --transform-key
    std::string base;   // prefix of the printed URLs, e.g. https://img.example.com
};
// `imgpipe sign <id>/<chain>`: prints the signed /image/ and /bytes/ URLs of a transform.
int sign(const SignArgs& args);

} // namespace imgpipe::cli
