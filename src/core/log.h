#pragma once

#include "core/config.h"

#include <nlohmann/json.hpp>
#include <spdlog/common.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace imgpipe {

// Sets the default logger: to stderr (stdout carries results and the "listening on" line), as JSON
// lines or text, at the given level. Throws std::invalid_argument for an unknown format or level.
void setup_logging(const LogConfig& config);

// A log line with fields (an access log line, say): in JSON, the fields beside time, level and msg;
// in text, `msg key=value ...` (strings with spaces quoted).
void log_event(spdlog::level::level_enum level, std::string_view msg, const nlohmann::ordered_json& fields);

// The same line written as its fields are added, without a JSON tree: for the access log, one line
// per request (building the tree was a tenth of a stored hit's CPU). Same output as log_event.
class LogLine {
public:
    LogLine(spdlog::level::level_enum level, std::string_view msg);
    bool enabled() const { return enabled_; } // false: adding is skipped, nothing is written
    LogLine& add(std::string_view key, std::string_view value);
    LogLine& add(std::string_view key, int64_t value);
    LogLine& add(std::string_view key, uint64_t value);
    LogLine& add(std::string_view key, int value) { return add(key, static_cast<int64_t>(value)); }
    LogLine& add(std::string_view key, double value);
    void write();

private:
    void key(std::string_view name);
    spdlog::level::level_enum level_;
    bool enabled_;
    std::string line_;
};

} // namespace imgpipe
