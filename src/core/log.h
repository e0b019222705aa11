#pragma once

#include "core/config.h"

#include <nlohmann/json.hpp>
#include <spdlog/common.h>

#include <string>
#include <string_view>

namespace imgpipe {

// Sets the default logger: to stderr (stdout carries results and the "listening on" line), as JSON
// lines or text, at the given level. Throws std::invalid_argument for an unknown format or level.
void setup_logging(const LogConfig& config);

// A log line with fields (an access log line, say): in JSON, the fields beside time, level and msg;
// in text, `msg key=value ...` (strings with spaces quoted).
void log_event(spdlog::level::level_enum level, std::string_view msg, const nlohmann::ordered_json& fields);

} // namespace imgpipe
