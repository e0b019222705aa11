// Standby on real io_contexts, each run by one thread: when a thread is held, a ready handler of
// its context runs on the standby within a few periods, not when the thread is free again; the
// other contexts' threads go on running their own; when the threads keep up, the standby runs
// nothing itself.
#include "core/metrics.h"
#include "http/standby.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace imgpipe::http {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Running {
    net::io_context ioc{2};
    net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
    std::thread thread{[this] { ioc.run(); }};
    ~Running() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
};

// The time from posting `probe` until it runs, while the io_context's own thread sleeps `hold`
// inside a handler.
Clock::duration wait_while_held(net::io_context& ioc, Clock::duration hold) {
    std::promise<void> held;
    net::post(ioc, [&held, hold] {
        held.set_value();
        std::this_thread::sleep_for(hold);
    });
    held.get_future().wait();
    std::promise<Clock::time_point> ran;
    const auto posted = Clock::now();
    net::post(ioc, [&ran] { ran.set_value(Clock::now()); });
    return ran.get_future().get() - posted;
}

// The bounds leave room for a loaded machine (make test runs suites side by side): a wait is
// measured against a hold of a second, and the standby's count is read once it has ended, since
// the handler that holds may be the standby's own (it polled just as the hold was posted; the
// io_context's thread then runs the probe).
TEST(Standby, RunsReadyHandlersWhileTheThreadIsHeld) {
    Running r;
    Counter ran;
    Clock::duration waited{};
    {
        const Standby standby({&r.ioc}, 2ms, ran);
        waited = wait_while_held(r.ioc, 1000ms);
    }
    EXPECT_LT(waited, 500ms) << "the handler waited for the held thread";
    EXPECT_GE(ran.value(), 1u);
}

TEST(Standby, CoversAHeldContextAmongOthers) {
    // The held context is the second: the standby looks at each context, not only the first.
    Running free, held;
    Counter ran;
    Clock::duration waited{};
    {
        const Standby standby({&free.ioc, &held.ioc}, 2ms, ran);
        waited = wait_while_held(held.ioc, 1000ms);
    }
    EXPECT_LT(waited, 500ms) << "the held context's handler waited for its thread";
    EXPECT_GE(ran.value(), 1u);
}

TEST(Standby, WithoutItTheHandlerWaitsForTheThread) {
    // The same set-up without a standby: the measure above can fail.
    Running r;
    const auto waited = wait_while_held(r.ioc, 1000ms);
    EXPECT_GE(waited, 500ms);
}

TEST(Standby, IdleWhileTheThreadKeepsUp) {
    Running r;
    Counter ran;
    {
        // A period of 20 ms, not the service's 2: on a loaded machine a thread woken from its wait
        // often starts a few milliseconds late, which this test is not about.
        const Standby standby({&r.ioc}, 20ms, ran);
        for (int i = 0; i < 1000; ++i) {
            std::promise<void> done;
            net::post(r.ioc, [&done] { done.set_value(); });
            done.get_future().wait();
            std::this_thread::sleep_for(1ms);
        }
    }
    // Only a thread held for a whole period hands work over; a free one runs the heartbeats itself.
    // ~50 heartbeats went by (a second at 20 ms): a standby that polled every period regardless
    // would have run them and the handlers posted alongside.
    EXPECT_LE(ran.value(), 20u);
}

TEST(Standby, EndsWhenTheIoContextStops) {
    net::io_context ioc{2};
    Counter ran;
    auto guard = net::make_work_guard(ioc);
    std::thread t([&ioc] { ioc.run(); });
    {
        const Standby standby({&ioc}, 2ms, ran);
        std::this_thread::sleep_for(10ms);
        ioc.stop();
    } // the destructor joins: this test hangs if the standby does not end
    t.join();
    SUCCEED();
}

} // namespace
} // namespace imgpipe::http
