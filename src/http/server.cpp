#include "http/server.h"

#include "http/standby.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <thread>
#include <vector>

namespace imgpipe::http {

namespace net = boost::asio;
using net::ip::tcp;

namespace {

std::vector<std::unique_ptr<net::io_context>> make_contexts(int n) {
    std::vector<std::unique_ptr<net::io_context>> contexts;
    // 2: the context's thread and the standby may run it at once.
    for (int i = 0; i < n; ++i) contexts.push_back(std::make_unique<net::io_context>(2));
    return contexts;
}

} // namespace

Server::Server(Api& api, const Config& config, Metrics& metrics, Listener listener)
    : api_(api), config_(config), url_(listener.url()), cors_(config.server.cors_origins),
      contexts_(make_contexts(config.server.io_threads)), ioc_(*contexts_[0]),
      spool_threads_(static_cast<size_t>(std::max(2, config.server.io_threads))),
      signals_(ioc_, SIGINT, SIGTERM), drain_timer_(ioc_), observer_(metrics),
      standby_ran_(
          metrics.counter("imgpipe_io_standby_handlers_total",
                          "Network handlers run by the standby thread while their I/O thread was stalled.")) {
    const auto protocol = listener.protocol();
    const int fd = listener.release();
    for (auto& c : contexts_) {
        const int own = acceptors_.empty() ? fd : ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (own < 0) throw std::system_error(errno, std::generic_category(), "dup of the listening socket");
        // On a strand: the accept loop and the close at shutdown may otherwise run at once (the
        // context's thread and the Standby).
        acceptors_.push_back(std::make_unique<tcp::acceptor>(net::make_strand(*c), protocol, own));
    }
}

void Server::run() {
    for (size_t i = 0; i < acceptors_.size(); ++i) {
        net::co_spawn(acceptors_[i]->get_executor(), accept_loop(*acceptors_[i], *contexts_[i]),
                      net::detached);
    }
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) begin_shutdown();
    });
    // The guards keep the other contexts running until the drain stops them, also once their
    // acceptor is closed and their connections have ended: a context that ran out of work counts
    // as stopped, which would end the Standby while the first one still drains.
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    std::vector<std::thread> threads;
    std::vector<net::io_context*> contexts;
    for (auto& c : contexts_) {
        contexts.push_back(c.get());
        if (c.get() == &ioc_) continue;
        guards.push_back(net::make_work_guard(*c));
        threads.emplace_back([c = c.get()] { c->run(); });
    }
    const Standby standby(std::move(contexts), kStandbyPeriod, standby_ran_);
    ioc_.run();
    for (auto& c : contexts_) c->stop();
    for (auto& t : threads) t.join();
}

net::awaitable<void> Server::accept_loop(tcp::acceptor& acceptor, net::io_context& context) {
    while (!stopping_) {
        boost::system::error_code ec;
        tcp::endpoint peer;
        // On a strand of this context: the Standby may run its handlers while its thread stalls.
        tcp::socket socket = co_await acceptor.async_accept(net::make_strand(context), peer,
                                                            net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (stopping_) break;
            spdlog::warn("accept failed: {}", ec.message());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<Session>(std::move(socket), peer.address().to_string(), api_, config_,
                                                 cors_, stopping_, observer_, spool_threads_);
        {
            std::lock_guard lock(mutex_);
            sessions_.insert(session);
        }
        net::co_spawn(
            session->executor(),
            [this, session]() -> net::awaitable<void> {
                try {
                    co_await session->run();
                } catch (const std::exception& e) {
                    spdlog::warn("connection ended: {}", e.what());
                }
                std::lock_guard lock(mutex_);
                sessions_.erase(session);
            },
            net::detached);
    }
}

void Server::begin_shutdown() {
    spdlog::info("stopping: no new connections, finishing requests in flight");
    stopping_ = true;
    // Each acceptor is closed on its own strand (its accept loop may be running).
    for (auto& a : acceptors_) {
        net::post(a->get_executor(), [&a = *a] {
            boost::system::error_code ec;
            a.close(ec);
        });
    }
    drain(std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.server.shutdown_grace_ms));
}

void Server::drain(std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(mutex_);
        if (sessions_.empty() || std::chrono::steady_clock::now() >= deadline) {
            if (!sessions_.empty()) spdlog::warn("{} connections cut at the deadline", sessions_.size());
            ioc_.stop();
            return;
        }
        for (const auto& s : sessions_) net::post(s->executor(), [s] { s->close_if_idle(); });
    }
    drain_timer_.expires_after(std::chrono::milliseconds(20));
    drain_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
        if (!ec) drain(deadline);
    });
}

} // namespace imgpipe::http
