#pragma once

#include "http/api.h"
#include "http/listener.h"
#include "http/session.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <utility>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace imgpipe::http {

// Runs one Session per connection on `io_threads` threads, each with its own io_context; each
// context accepts from `listener` too and keeps the connections it accepted (as nginx's workers
// do): a new connection is taken by whichever thread runs first, not handed to one that may be
// stalled, and its handlers never hop threads. A Standby runs a context's handlers when its
// thread stalls. SIGINT and SIGTERM stop accepting, close idle connections, let requests in
// flight finish within shutdown_grace_ms, then return from run().
class Server {
public:
    Server(Api& api, const Config& config, Metrics& metrics, Listener listener);
    const std::string& url() const { return url_; }                  // Listener::url()
    int requests_in_flight() const { return observer_.in_flight(); } // being read, handled or answered
    void run();

private:
    boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                             boost::asio::io_context& context);
    void begin_shutdown();
    void drain(std::chrono::steady_clock::time_point deadline);

    Api& api_;
    const Config& config_;
    std::string url_;
    const Cors cors_;
    // One per I/O thread; a Standby runs one too when its thread does not for kStandbyPeriod.
    // The first also runs the signals and the drain timer.
    static constexpr std::chrono::milliseconds kStandbyPeriod{2};
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    boost::asio::io_context& ioc_; // *contexts_[0]
    // Uploads are digested, written and flushed here (SpoolFeeder): at least two threads, so that
    // an upload's flush runs beside its digest, and two uploads are hashed at once even with one
    // I/O thread. Declared after contexts_, so destroyed first: a batch or flush still running posts its
    // end to an io_context that still exists.
    boost::asio::thread_pool spool_threads_;
    // One per context, all on the listening socket (the others on duplicates of its descriptor).
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer drain_timer_;
    std::atomic<bool> stopping_{false};
    RequestObserver observer_;
    Counter& standby_ran_;
    std::mutex mutex_;
    std::set<std::shared_ptr<Session>> sessions_;
};

} // namespace imgpipe::http
