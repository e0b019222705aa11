// Standby on a real io_context run by one thread: when that thread is held, a ready handler runs
// on the standby within a few periods, not when the thread is free again; when the thread keeps
// up, the standby runs nothing itself.
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

TEST(Standby, RunsReadyHandlersWhileTheThreadIsHeld) {
    Running r;
    Counter ran;
    const Standby standby(r.ioc, 2ms, ran);
    const auto waited = wait_while_held(r.ioc, 500ms);
    EXPECT_LT(waited, 200ms) << "the handler waited for the held thread";
    EXPECT_GE(ran.value(), 1u);
}

TEST(Standby, WithoutItTheHandlerWaitsForTheThread) {
    // The same set-up without a standby: the measure above can fail.
    Running r;
    const auto waited = wait_while_held(r.ioc, 300ms);
    EXPECT_GE(waited, 250ms);
}

TEST(Standby, IdleWhileTheThreadKeepsUp) {
    Running r;
    Counter ran;
    {
        const Standby standby(r.ioc, 2ms, ran);
        for (int i = 0; i < 50; ++i) {
            std::promise<void> done;
            net::post(r.ioc, [&done] { done.set_value(); });
            done.get_future().wait();
            std::this_thread::sleep_for(1ms);
        }
    }
    // Only a thread held for a whole period hands work over; a free one runs the heartbeats itself.
    // ~50 heartbeats went by: a standby that polled every period regardless would have run them.
    EXPECT_LE(ran.value(), 20u);
}

TEST(Standby, EndsWhenTheIoContextStops) {
    net::io_context ioc{2};
    Counter ran;
    auto guard = net::make_work_guard(ioc);
    std::thread t([&ioc] { ioc.run(); });
    {
        const Standby standby(ioc, 2ms, ran);
        std::this_thread::sleep_for(10ms);
        ioc.stop();
    } // the destructor joins: this test hangs if the standby does not end
    t.join();
    SUCCEED();
}

} // namespace
} // namespace imgpipe::http
