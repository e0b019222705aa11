#pragma once

#include "http/api.h"
#include "http/listener.h"
#include "http/session.h"

#include <utility>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace imgpipe::http {

// Accepts connections on `listener` and runs one Session per connection on `io_threads` threads. SIGINT and
// SIGTERM stop accepting, close idle connections, let requests in flight finish within
// shutdown_grace_ms, then return from run().
//
// Each I/O thread runs an io_context of its own, and a connection lives on one of them (given out
// in turn as connections are accepted), as nginx's workers do. With one io_context shared by all
// threads, every ready socket made Asio wake another thread and every step of a connection went
// through a strand: a stored hit cost 61 us of CPU against 44 here (wrk -c64, 2 cores).
class Server {
public:
    Server(Api& api, const Config& config, Metrics& metrics, Listener listener);
    const std::string& url() const { return url_; } // Listener::url()
    void run();

private:
    boost::asio::awaitable<void> accept_loop();
    void begin_shutdown();
    void drain(std::chrono::steady_clock::time_point deadline);
    void stop_all();
    boost::asio::io_context& main_context() { return *contexts_.front(); }

    Api& api_;
    const Config& config_;
    std::string url_;
    const Cors cors_;
    // One per I/O thread; the first also runs the acceptor, the signals and the drain timer.
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running_;
    size_t next_context_ = 0; // the accept loop's only
    // Uploads are digested and written here (SpoolFeeder). Declared after contexts_, so destroyed
    // first: a batch still running posts its end to an io_context that still exists.
    boost::asio::thread_pool spool_threads_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer drain_timer_;
    std::atomic<bool> stopping_{false};
    RequestObserver observer_;
    std::mutex mutex_;
    std::set<std::shared_ptr<Session>> sessions_;
};

} // namespace imgpipe::http
