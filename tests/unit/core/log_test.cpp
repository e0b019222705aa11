#include "core/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace imgpipe {
namespace {

// Runs `body` with stderr sent to a file and logging set up as `format`; returns what was written.
template <class F>
std::string logged(const std::string& format, F body) {
    const std::string path = testing::TempDir() + "imgpipe-log-" + std::to_string(::getpid());
    const int saved = ::dup(STDERR_FILENO);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    setup_logging(LogConfig{format, "info"});
    body();
    spdlog::default_logger()->flush(); // what a stop does (main): the batch is written
    spdlog::drop("imgpipe");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("none"));
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    std::remove(path.c_str());
    return out.str();
}

std::string without_times(std::string s) { // {"time":"...", -> {
    for (size_t at; (at = s.find("{\"time\":\"")) != std::string::npos;) s.erase(at + 1, s.find('"', at + 9) + 2 - at - 1);
    return s;
}

void both_ways(const std::string& msg) {
    const std::string path = "/a b?x=\"q\"&\xff\n";
    log_event(spdlog::level::info, msg,
              nlohmann::ordered_json{{"path", path}, {"empty", ""}, {"plain", "GET"}, {"status", 200},
                                     {"bytes", uint64_t{14220}}, {"ms", 12.0}, {"ms2", 0.1}, {"neg", int64_t{-3}}});
    LogLine(spdlog::level::info, msg)
        .add("path", path)
        .add("empty", "")
        .add("plain", "GET")
        .add("status", 200)
        .add("bytes", uint64_t{14220})
        .add("ms", 12.0)
        .add("ms2", 0.1)
        .add("neg", int64_t{-3})
        .write();
    LogLine(spdlog::level::debug, msg).add("hidden", "x").write(); // under the level: nothing
}

TEST(Log, ALogLineWritesWhatLogEventWrites) {
    for (const std::string format : {"json", "text"}) {
        const std::string out = logged(format, [] { both_ways("request"); });
        std::istringstream lines(format == "json" ? without_times(out) : out);
        std::string first, second, third;
        std::getline(lines, first);
        std::getline(lines, second);
        EXPECT_FALSE(std::getline(lines, third)) << out;
        EXPECT_FALSE(first.empty()) << out;
        if (format == "json") {
            EXPECT_EQ(first, second);
            EXPECT_EQ(nlohmann::json::parse(first)["path"], "/a b?x=\"q\"&\xef\xbf\xbd\n") << first;
        } else { // text lines carry a time and level prefix of their own: compare from the message
            EXPECT_EQ(first.substr(first.find("request")), second.substr(second.find("request")));
            EXPECT_NE(first.find("plain=GET status=200 bytes=14220 ms=12.0 ms2=0.1 neg=-3"), std::string::npos) << first;
        }
    }
}

TEST(Log, JsonLinesAreBatchedButNoneIsLostOrReordered) {
    const std::string out = logged("json", [] {
        for (int i = 0; i < 3000; ++i) LogLine(spdlog::level::info, "n").add("i", i).write();
        spdlog::warn("a warning goes out at once, after the lines before it");
    });
    std::istringstream lines(out);
    int i = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line);
        if (i < 3000) {
            EXPECT_EQ(j["i"], i);
        } else {
            EXPECT_EQ(j["level"], "warning");
        }
        ++i;
    }
    EXPECT_EQ(i, 3001);
}

} // namespace
} // namespace imgpipe
