#include "core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <unistd.h>

namespace imgpipe {

namespace {

// Marks a payload that is already a JSON object of fields (written by log_event in JSON mode).
constexpr char kFields = '\x1e';

bool json_mode = false;

std::string utc_time(spdlog::log_clock::time_point t) {
    const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    const std::time_t tt = spdlog::log_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[96]; // room for any int the compiler cannot rule out
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

// One JSON object per line: {"time","level","msg", fields...}. Every message becomes valid JSON,
// whatever it contains (libvips text, file names with quotes or newlines).
class JsonLinesSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        const auto level = spdlog::level::to_string_view(msg.level);
        std::string out = "{\"time\":\"" + utc_time(msg.time) + "\",\"level\":\"" +
                          std::string(level.data(), level.size()) + "\",";
        if (payload.size() > 2 && payload.front() == kFields && payload[1] == '{') {
            // Already a JSON object of fields, "msg" first (log_event): spliced in, not parsed again.
            out.append(payload.substr(2));
        } else {
            out += "\"msg\":" + nlohmann::json(payload).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
        }
        out += "\n";
        std::fwrite(out.data(), 1, out.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }
};

std::string text_value(const nlohmann::ordered_json& v) {
    if (!v.is_string()) return v.dump();
    const std::string s = v.get<std::string>();
    if (!s.empty() && s.find_first_of(" \"=\n\t") == std::string::npos) return s;
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

void setup_logging(const LogConfig& config) {
    if (config.format != "auto" && config.format != "json" && config.format != "text") {
        throw std::invalid_argument("--log-format must be json, text or auto, not '" + config.format + "'");
    }
    const auto level = spdlog::level::from_str(config.level);
    if (level == spdlog::level::off && config.level != "off") {
        throw std::invalid_argument("--log-level must be trace, debug, info, warn, error, critical or off, not '" +
                                    config.level + "'");
    }
    json_mode = config.format == "json" || (config.format == "auto" && !::isatty(STDERR_FILENO));
    std::shared_ptr<spdlog::logger> logger;
    if (json_mode) {
        logger = std::make_shared<spdlog::logger>("imgpipe", std::make_shared<JsonLinesSink>());
    } else {
        logger = spdlog::stderr_color_mt("imgpipe");
    }
    logger->set_level(level);
    // Access lines of a finished request should not sit in a buffer when the process is killed.
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

void log_event(spdlog::level::level_enum level, std::string_view msg, const nlohmann::ordered_json& fields) {
    if (!spdlog::should_log(level)) return;
    if (json_mode) {
        nlohmann::ordered_json line;
        line["msg"] = msg;
        for (auto& [k, v] : fields.items()) line[k] = v;
        spdlog::log(level, "{}{}", kFields, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    std::string text(msg);
    for (auto& [k, v] : fields.items()) text += " " + k + "=" + text_value(v);
    spdlog::log(level, "{}", text);
}

} // namespace imgpipe
