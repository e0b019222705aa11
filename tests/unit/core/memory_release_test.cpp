#include "core/memory_release.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace imgpipe {
namespace {

using namespace std::chrono_literals;

// Waits up to 10 s (the suite may share the CPU with busy loops) for `count` to reach `n`.
bool reaches(const std::atomic<int>& count, int n) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (count.load() < n) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

TEST(MemoryRelease, ReleasesOnceWhenWorkTurnsIdle) {
    std::atomic<bool> busy{true};
    std::atomic<int> released{0};
    std::atomic<int> checks{0};
    const MemoryRelease release([&] { ++checks; return !busy.load(); }, [] { return false; }, [&] { ++released; }, 1h,
                                5ms);
    ASSERT_TRUE(reaches(checks, 3));
    EXPECT_EQ(released.load(), 0) << "released while the work was busy";
    busy = false;
    ASSERT_TRUE(reaches(released, 1));
    // Idle with nothing done since: nothing more to hand back.
    const int seen = checks.load();
    ASSERT_TRUE(reaches(checks, seen + 20));
    EXPECT_EQ(released.load(), 1);
    // Work again, then idle: released again.
    busy = true;
    ASSERT_TRUE(reaches(checks, checks.load() + 3));
    busy = false;
    ASSERT_TRUE(reaches(released, 2));
}

TEST(MemoryRelease, NothingToReleaseWithoutWork) {
    std::atomic<int> released{0};
    std::atomic<int> checks{0};
    {
        const MemoryRelease release([&] { ++checks; return true; }, [] { return false; }, [&] { ++released; }, 1h, 5ms);
        ASSERT_TRUE(reaches(checks, 20));
    }
    EXPECT_EQ(released.load(), 0);
}

TEST(MemoryRelease, ReleasesPeriodicallyUnderSteadyWork) {
    std::atomic<int> released{0};
    const MemoryRelease release([] { return false; }, [] { return false; }, [&] { ++released; }, 30ms, 5ms);
    EXPECT_TRUE(reaches(released, 3));
}

TEST(MemoryRelease, ReleasesWhenTooMuchIsKeptUnderSteadyWork) {
    std::atomic<bool> full{false};
    std::atomic<int> released{0};
    std::atomic<int> checks{0};
    const MemoryRelease release([&] { ++checks; return false; }, [&] { return full.load(); }, [&] {
        ++released;
        full = false; // what a release does to the allocator's free pages
    }, 1h, 5ms);
    ASSERT_TRUE(reaches(checks, 5));
    EXPECT_EQ(released.load(), 0) << "released with little kept, long before the period";
    full = true;
    ASSERT_TRUE(reaches(released, 1));
    const int seen = checks.load();
    ASSERT_TRUE(reaches(checks, seen + 10));
    EXPECT_EQ(released.load(), 1) << "released again with nothing more kept";
}

TEST(MemoryRelease, StopsPromptlyWhenDestroyed) {
    const auto start = std::chrono::steady_clock::now();
    { const MemoryRelease release([] { return true; }, [] { return false; }, [] {}, 1h, 1h); }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

} // namespace
} // namespace imgpipe
