#include "http/server.h"

#include "http/standby.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace imgpipe::http {

namespace net = boost::asio;
using net::ip::tcp;

Server::Server(Api& api, const Config& config, Metrics& metrics, Listener listener)
    : api_(api), config_(config), url_(listener.url()), cors_(config.server.cors_origins),
      ioc_(config.server.io_threads + 1), spool_threads_(static_cast<size_t>(std::max(2, config.server.io_threads))), acceptor_(ioc_, listener.protocol(), listener.release()),
      signals_(ioc_, SIGINT, SIGTERM), drain_timer_(ioc_), observer_(metrics),
      standby_ran_(metrics.counter("imgpipe_io_standby_handlers_total",
                                   "Network handlers run by the standby thread while every I/O thread was stalled.")) {}

void Server::run() {
    net::co_spawn(ioc_, accept_loop(), net::detached);
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) begin_shutdown();
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < config_.server.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    const Standby standby(ioc_, kStandbyPeriod, standby_ran_);
    ioc_.run();
    for (auto& t : threads) t.join();
}

net::awaitable<void> Server::accept_loop() {
    while (!stopping_) {
        boost::system::error_code ec;
        tcp::socket socket = co_await acceptor_.async_accept(
            net::make_strand(ioc_), net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (stopping_) break;
            spdlog::warn("accept failed: {}", ec.message());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto session = std::make_shared<Session>(std::move(socket), api_, config_, cors_, stopping_, observer_,
                                                 spool_threads_);
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
    boost::system::error_code ec;
    acceptor_.close(ec);
    drain(std::chrono::steady_clock::now() +
          std::chrono::milliseconds(config_.server.shutdown_grace_ms));
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
