#include "core/pipeline/vips_setup.h"
#include "work/worker_pool.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <sched.h>
#include <thread>
#include <utility>

namespace imgpipe {
namespace {

// A pool with begin_vips_job runs its jobs as batch work, and the threads a job starts (libvips
// starts its own with pthread_create's defaults, through GLib) inherit it; the caller's thread
// keeps its policy.
TEST(VipsSetup, PixelJobsRunAsBatchWorkAndTheirThreadsInheritIt) {
    WorkerPool pool(1, 0, nullptr, "image");
    pool.on_job_start(begin_vips_job);
    boost::asio::io_context io;
    std::pair<int, int> policies{-1, -1};
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            policies = co_await pool.run([] {
                int started = -1;
                std::thread([&] { started = sched_getscheduler(0); }).join();
                return std::pair<int, int>{sched_getscheduler(0), started};
            });
        },
        boost::asio::detached);
    io.run();
    pool.join();
    EXPECT_EQ(policies.first, SCHED_BATCH);
    EXPECT_EQ(policies.second, SCHED_BATCH);
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

} // namespace
} // namespace imgpipe
