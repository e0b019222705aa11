#pragma once

#include "core/metrics.h"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace imgpipe::http {

// One more thread for an io_context, which runs its handlers only when the threads that run it do
// not. Every `period` it posts a heartbeat; when one of those threads runs it within the period,
// the standby only sleeps. When none has (each preempted by pixel work on a saturated machine, or
// held by a slow handler), the standby runs what is ready until the heartbeat has run, so that no
// connection waits for one particular thread. A thread that mostly sleeps is scheduled soon after
// it wakes.
//
// Why not simply one more thread in run(): threads that share an io_context hand each other the
// handlers of every connection (a futex wake-up and a hop per event); one thread alone serves a
// stored hit with ~30% less CPU (bench/RESULTS.md). The standby keeps that, and the shared
// io_context's resilience.
class Standby {
public:
    // `ran` counts the handlers the standby ran itself (it covered for stalled threads).
    Standby(boost::asio::io_context& ioc, std::chrono::milliseconds period, Counter& ran);
    ~Standby(); // stops and joins the thread
    Standby(const Standby&) = delete;
    Standby& operator=(const Standby&) = delete;

private:
    void loop();

    boost::asio::io_context& ioc_;
    const std::chrono::milliseconds period_;
    std::atomic<bool> stop_{false};
    Counter& ran_;
    std::thread thread_;
};

} // namespace imgpipe::http
