#pragma once

#include "core/config.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace imgpipe::cli {

// Binds every Config field to a flag and its IMGPIPE_* variable (flags win over the environment,
// which wins over the defaults in core/config.h).
void bind_server_options(CLI::App& app, Config& config);
void bind_engine_options(CLI::App& app, Config& config); // limits and output quality only
void bind_storage_options(CLI::App& app, Config& config); // --data, --storage and S3
void bind_cluster_options(CLI::App& app, Config& config); // --nats, --cluster, --cluster-queue
void bind_worker_options(CLI::App& app, Config& config);  // what `imgpipe worker` takes
// Derives what follows from the parsed settings (bucket and prefix from the storage URI, the
// region fallback, the addressing style). Throws std::invalid_argument.
void finish(Config& config);
// Throws std::invalid_argument naming the bad setting.
void validate(const Config& config);
nlohmann::json to_json(const Config& config); // for `serve --print-config`

} // namespace imgpipe::cli
