#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace imgpipe::cli {

struct ImportArgs {
    std::vector<std::string> paths; // files and folders
    std::string server;             // the service's base URL
    std::string api_key;
    int jobs = 4;
    std::string manifest = "imgpipe-import.jsonl";
    double progress_interval_s = 10; // between plain progress lines (stderr not a terminal)
    int retries = 10;                // per file, after 429/502/503/504 and connection errors
};

void bind_import_options(CLI::App& app, ImportArgs& args);

// `imgpipe import PATH... --server URL`: uploads every image under the paths, skipping those the
// manifest says an earlier run uploaded. Exit status 0 when none failed, 1 when any did (or the
// import had to stop), 2 on a usage error, 128 + the signal when interrupted.
int import_images(const ImportArgs& args);

} // namespace imgpipe::cli
