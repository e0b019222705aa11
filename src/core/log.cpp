#include "core/log.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <thread>
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
//
// Lines are written in batches, whole lines per write(2): when 64 KB are waiting, at once for a
// warning or worse (with everything before it), and otherwise every 100 ms, as nginx's
// `access_log ... buffer= flush=` does. A write per access line was a fifth of a stored hit's CPU
// on the project's VMs. A thread of the sink writes the batches, so that a request thread never
// waits for the disk; lines are formatted before the lock and written in the order they came.
// The cost: kill -9 or a crash loses up to the last 100 ms of info lines.
class JsonLinesSink final : public spdlog::sinks::sink {
public:
    JsonLinesSink() {
        writer_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            while (!stop_) {
                wake_.wait_for(lock, kFlushEvery, [this] { return stop_ || pending_.size() >= kBatchBytes; });
                write_out(lock);
            }
        });
    }
    ~JsonLinesSink() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        writer_.join(); // it writes what is left
    }

    void log(const spdlog::details::log_msg& msg) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        const auto level = spdlog::level::to_string_view(msg.level);
        std::string line = "{\"time\":\"" + utc_time(msg.time) + "\",\"level\":\"";
        line.append(level.data(), level.size());
        line += "\",";
        if (payload.size() > 2 && payload.front() == kFields && payload[1] == '{') {
            // Already a JSON object of fields, "msg" first (log_event): spliced in, not parsed again.
            line.append(payload.substr(2));
        } else {
            line += "\"msg\":" + nlohmann::json(payload).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
        }
        line += "\n";
        std::unique_lock lock(mutex_);
        pending_ += line;
        if (msg.level >= spdlog::level::warn) {
            write_out(lock);
        } else if (pending_.size() >= kBatchBytes) {
            wake_.notify_one();
        }
    }
    void flush() override {
        std::unique_lock lock(mutex_);
        write_out(lock);
    }
    void set_pattern(const std::string&) override {}
    void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

private:
    static constexpr size_t kBatchBytes = 64 * 1024;
    static constexpr std::chrono::milliseconds kFlushEvery{100};

    // Writes what is pending, after any write under way (one writer at a time keeps the order);
    // new lines may be added meanwhile.
    void write_out(std::unique_lock<std::mutex>& lock) {
        written_.wait(lock, [this] { return !writing_; });
        if (pending_.empty()) return;
        std::string out;
        out.swap(pending_);
        pending_.reserve(kBatchBytes + 4096);
        writing_ = true;
        lock.unlock();
        size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break; // stderr closed or full: the lines are dropped, not the server
            done += static_cast<size_t>(n);
        }
        lock.lock();
        writing_ = false;
        written_.notify_all();
    }

    std::mutex mutex_;
    std::string pending_;
    bool writing_ = false;
    bool stop_ = false;
    std::condition_variable wake_, written_;
    std::thread writer_;
};

// A text value that needs no quotes (log_event and LogLine write the same).
bool bare_text(std::string_view s) { return !s.empty() && s.find_first_of(" \"=\n\t") == std::string_view::npos; }

std::string text_value(const nlohmann::ordered_json& v) {
    if (!v.is_string()) return v.dump();
    const std::string s = v.get<std::string>();
    if (bare_text(s)) return s;
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool plain_json(std::string_view s) { // needs no escaping in a JSON string
    for (const char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

void append_json_string(std::string& out, std::string_view s) {
    if (plain_json(s)) {
        out += '"';
        out += s;
        out += '"';
        return;
    }
    out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    // Text goes to a terminal: each line at once. JSON lines are batched by their sink.
    logger->flush_on(json_mode ? spdlog::level::warn : spdlog::level::trace);
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

LogLine::LogLine(spdlog::level::level_enum level, std::string_view msg)
    : level_(level), enabled_(spdlog::should_log(level)) {
    if (!enabled_) return;
    line_.reserve(384);
    if (json_mode) {
        line_ += kFields;
        line_ += "{\"msg\":";
        append_json_string(line_, msg);
    } else {
        line_ += msg;
    }
}

void LogLine::key(std::string_view name) {
    if (json_mode) {
        line_ += ",\"";
        line_ += name;
        line_ += "\":";
    } else {
        line_ += ' ';
        line_ += name;
        line_ += '=';
    }
}

LogLine& LogLine::add(std::string_view name, std::string_view value) {
    if (!enabled_) return *this;
    key(name);
    if (json_mode || !bare_text(value)) {
        append_json_string(line_, value);
    } else {
        line_ += value;
    }
    return *this;
}

LogLine& LogLine::add(std::string_view name, int64_t value) {
    if (!enabled_) return *this;
    key(name);
    line_ += std::to_string(value);
    return *this;
}

LogLine& LogLine::add(std::string_view name, uint64_t value) {
    if (!enabled_) return *this;
    key(name);
    line_ += std::to_string(value);
    return *this;
}

LogLine& LogLine::add(std::string_view name, double value) {
    if (!enabled_) return *this;
    key(name);
    line_ += nlohmann::json(value).dump(); // as log_event writes it: 12.0, 0.1
    return *this;
}

void LogLine::write() {
    if (!enabled_) return;
    if (json_mode) line_ += '}';
    spdlog::default_logger_raw()->log(level_, spdlog::string_view_t(line_.data(), line_.size()));
    enabled_ = false;
}

} // namespace imgpipe
