#include "core/memory_release.h"

namespace imgpipe {

MemoryRelease::MemoryRelease(std::function<bool()> idle, std::function<bool()> full, std::function<void()> release,
                             std::chrono::milliseconds longest, std::chrono::milliseconds check)
    : idle_(std::move(idle)), full_(std::move(full)), release_(std::move(release)), longest_(longest), check_(check),
      thread_([this] { loop(); }) {}

MemoryRelease::~MemoryRelease() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void MemoryRelease::loop() {
    using Clock = std::chrono::steady_clock;
    auto last_release = Clock::now();
    bool worked = false;   // work seen since the last release
    bool was_idle = false; // at the previous check
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, check_, [this] { return stop_; })) {
        lock.unlock();
        const bool idle = idle_();
        worked = worked || !idle;
        if ((worked && idle && was_idle) || Clock::now() - last_release >= longest_ || full_()) {
            release_();
            last_release = Clock::now();
            worked = false;
        }
        was_idle = idle;
        lock.lock();
    }
}

} // namespace imgpipe
