#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace imgpipe {

// Calls `release` (hand the allocator's free pages back to the kernel) on a thread of its own:
// once the work has been idle for a check period (`idle` answered true at two checks in a row,
// after work was seen since the last release), at least every `longest` while work goes on, and
// at any check where `full` says the allocator keeps more free memory than it should.
//
// Why: the service's allocator keeps what is freed until then (src/cli/jemalloc_conf.cpp). By
// default jemalloc returns pages continuously, ~10 s after they were freed, and libvips frees and
// allocates its pixel buffers per pipeline: a cold transform faulted ~90 pages back in, 4% of its
// CPU on the project's VMs (bench/RESULTS.md). Released in one go, an idle service gives its
// memory back sooner than before, and a steady load refaults its working set once per `longest`
// instead of on every transform.
class MemoryRelease {
public:
    MemoryRelease(std::function<bool()> idle, std::function<bool()> full, std::function<void()> release,
                  std::chrono::milliseconds longest, std::chrono::milliseconds check = std::chrono::seconds(1));
    ~MemoryRelease(); // stops and joins the thread
    MemoryRelease(const MemoryRelease&) = delete;
    MemoryRelease& operator=(const MemoryRelease&) = delete;

private:
    void loop();

    const std::function<bool()> idle_;
    const std::function<bool()> full_;
    const std::function<void()> release_;
    const std::chrono::milliseconds longest_, check_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace imgpipe
