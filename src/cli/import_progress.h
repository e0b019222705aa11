#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace imgpipe::cli {

// What the upload threads have done so far in this run.
struct ImportCounters {
    std::atomic<size_t> files_done{0}; // uploaded or failed
    std::atomic<size_t> failed{0};
    std::atomic<std::uint64_t> bytes_done{0}; // of finished files, and what is in flight
};

// The progress on stderr: on a terminal one line redrawn in place five times a second; otherwise
// (a log, a pipe) a plain line every `interval_s` seconds. Both say files and bytes done of the
// total, the rate and the time left; the last line says how long it took.
class Progress {
public:
    Progress(size_t files, std::uint64_t bytes, const ImportCounters& counters, bool tty, double interval_s);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void start();
    void stop(); // draws the final state and ends the line
    void say(const std::string& message); // a line of its own; the bar is drawn again below it

private:
    std::string line(bool final) const;
    void draw(bool final); // with mutex_ held

    const size_t files_;
    const std::uint64_t bytes_;
    const ImportCounters& counters_;
    const bool tty_;
    const std::chrono::duration<double> interval_;
    std::chrono::steady_clock::time_point started_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

std::string human_bytes(std::uint64_t bytes); // "812 B", "1.2 kB", "45.0 MB", "1.3 GB"
std::string human_duration(double seconds);   // "0.4 s", "12 s", "3:07", "1:02:03"

} // namespace imgpipe::cli
