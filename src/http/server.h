#pragma once

#include "http/api.h"
#include "http/listener.h"
#include "http/session.h"

#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace imgpipe::http {

// Accepts connections on `listener` and runs one Session per connection on `io_threads` threads
// (and a Standby when they all stall). SIGINT and
// SIGTERM stop accepting, close idle connections, let requests in flight finish within
// shutdown_grace_ms, then return from run().
class Server {
public:
    Server(Api& api, const Config& config, Metrics& metrics, Listener listener);
    const std::string& url() const { return url_; } // Listener::url()
    int requests_in_flight() const { return observer_.in_flight(); } // being read, handled or answered
    void run();

private:
    boost::asio::awaitable<void> accept_loop();
    void begin_shutdown();
    void drain(std::chrono::steady_clock::time_point deadline);

    Api& api_;
    const Config& config_;
    std::string url_;
    const Cors cors_;
    // Run by io_threads threads; a Standby runs it too when none of them does for kStandbyPeriod.
    static constexpr std::chrono::milliseconds kStandbyPeriod{2};
    boost::asio::io_context ioc_;
    // Uploads are digested, written and flushed here (SpoolFeeder): at least two threads, so that an
    // upload's flush runs beside its digest, and two uploads are hashed at once even with one I/O
    // thread. Declared after ioc_, so destroyed first: a batch or flush still running posts its end
    // to an io_context that still exists.
    boost::asio::thread_pool spool_threads_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer drain_timer_;
    std::atomic<bool> stopping_{false};
    RequestObserver observer_;
    Counter& standby_ran_;
    std::mutex mutex_;
    std::set<std::shared_ptr<Session>> sessions_;
};

} // namespace imgpipe::http
