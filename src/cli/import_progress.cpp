#include "cli/import_progress.h"

#include <fmt/format.h>

#include <cstdio>

namespace imgpipe::cli {

std::string human_bytes(std::uint64_t bytes) {
    const auto b = static_cast<double>(bytes);
    if (bytes < 1000) return fmt::format("{} B", bytes);
    if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", b / 1e3);
    if (bytes < 1000ull * 1000 * 1000) return fmt::format("{:.1f} MB", b / 1e6);
    return fmt::format("{:.1f} GB", b / 1e9);
}

std::string human_duration(double seconds) {
    if (seconds < 9.95) return fmt::format("{:.1f} s", seconds);
    const auto s = static_cast<long long>(seconds + 0.5);
    if (s < 60) return fmt::format("{} s", s);
    if (s < 3600) return fmt::format("{}:{:02}", s / 60, s % 60);
    return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

Progress::Progress(size_t files, std::uint64_t bytes, const ImportCounters& counters, bool tty, double interval_s)
    : files_(files), bytes_(bytes), counters_(counters), tty_(tty),
      interval_(tty ? 0.2 : interval_s) {}

Progress::~Progress() { stop(); }

void Progress::start() {
    started_ = std::chrono::steady_clock::now();
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) draw(false);
    });
}

void Progress::stop() {
    if (!thread_.joinable()) return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    const std::lock_guard lock(mutex_);
    draw(true);
}

void Progress::say(const std::string& message) {
    const std::lock_guard lock(mutex_);
    std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", message.c_str());
    if (tty_ && thread_.joinable()) draw(false);
}

std::string Progress::line(bool final) const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const std::uint64_t done = counters_.bytes_done;
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    std::string text = fmt::format("imgpipe import: {}/{} files, {} of {}, {}/s", counters_.files_done.load(),
                                   files_, human_bytes(done), human_bytes(bytes_),
                                   human_bytes(static_cast<std::uint64_t>(rate)));
    if (final) {
        text += ", took " + human_duration(elapsed);
    } else if (rate > 0 && elapsed >= 1) {
        text += ", ETA " + human_duration(static_cast<double>(bytes_ > done ? bytes_ - done : 0) / rate);
    } else {
        text += ", ETA -";
    }
    if (const size_t failed = counters_.failed) text += fmt::format(", {} failed", failed);
    return text;
}

void Progress::draw(bool final) {
    if (tty_) {
        std::fprintf(stderr, "\r\033[K%s%s", line(final).c_str(), final ? "\n" : "");
    } else {
        std::fprintf(stderr, "%s\n", line(final).c_str());
    }
    std::fflush(stderr);
}

} // namespace imgpipe::cli
