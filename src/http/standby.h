#pragma once

#include "core/metrics.h"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace imgpipe::http {

// One more thread for a set of io_contexts, each run by its own thread; the standby runs a
// context's handlers only when that thread does not. Every `period` it posts a heartbeat to each
// context; when a context's thread runs it within the period, the standby only sleeps. When it has
// not (the thread preempted by pixel work on a saturated machine, or held by a slow handler), the
// standby runs what that context has ready until the heartbeat has run, so that no connection
// waits for one particular thread. A thread that mostly sleeps is scheduled soon after it wakes.
//
// Why not simply more threads in one io_context's run(): threads that share an io_context hand
// each other the handlers of every connection (a futex wake-up and a hop per event); a thread with
// its own connections serves a stored hit with ~30% less CPU (bench/RESULTS.md). One standby for
// all contexts, not one each: one thread fewer to schedule on a saturated machine, where every
// runnable thread delays the others (whether that alone matters was not measured apart:
// docs/RELIABILITY.md, "A network thread per core, each accepting").
class Standby {
public:
    // `ran` counts the handlers the standby ran itself (it covered for stalled threads).
    Standby(std::vector<boost::asio::io_context*> contexts, std::chrono::milliseconds period, Counter& ran);
    ~Standby(); // stops and joins the thread
    Standby(const Standby&) = delete;
    Standby& operator=(const Standby&) = delete;

private:
    void loop();
    bool stopped() const;

    const std::vector<boost::asio::io_context*> contexts_;
    const std::chrono::milliseconds period_;
    std::atomic<bool> stop_{false};
    Counter& ran_;
    std::thread thread_;
};

} // namespace imgpipe::http
