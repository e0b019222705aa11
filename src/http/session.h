#pragma once

#include "http/api.h"
#include "http/cors.h"
#include "http/observe.h"

#include <utility>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <functional>
#include <string_view>

namespace imgpipe::http {

namespace beast = boost::beast;

// One client connection: reads requests (headers under a deadline, bodies streamed into a Spool
// with an idle and a total deadline), calls the Api, writes the answers; keep-alive until the
// client or the server is done.
class Session {
public:
    // `spool_threads`: where uploads are digested and written while they are received; `remote`:
    // the client's address as accept() gave it (asking the socket again costs a getpeername).
    Session(boost::asio::ip::tcp::socket socket, std::string remote, Api& api, const Config& config,
            const Cors& cors, const std::atomic<bool>& stopping, RequestObserver& observer,
            boost::asio::thread_pool& spool_threads)
        : stream_(std::move(socket)), api_(api), config_(config), cors_(cors), stopping_(stopping),
          observer_(observer), spool_threads_(spool_threads), remote_(std::move(remote)) {}

    boost::asio::awaitable<void> run();
    auto executor() { return stream_.get_executor(); }
    // Closes the connection if it is waiting for a new request (used at shutdown).
    void close_if_idle();

private:
    using Parser = beast::http::request_parser<beast::http::buffer_body>;

    // Routes the request, reads the body its route asks for and calls the route's handler.
    boost::asio::awaitable<Response> dispatch(Parser& parser, Exchange& ex);
    // OPTIONS on any route when CORS is on: its methods, and a browser's preflight answered.
    Response options(const Parser& parser, Exchange& ex) const;
    // The one place where a failure becomes an answer.
    Response answer(std::exception_ptr failure, const Exchange& ex, const Parser& parser) const;
    // Hands each piece of the body to `sink` as it arrives; then awaits `paced`, if given, before
    // reading more (a sink that works on another thread holds the client back with it).
    boost::asio::awaitable<void> read_body(Parser& parser, Exchange& ex,
                                           const std::function<void(std::string_view)>& sink,
                                           const std::function<boost::asio::awaitable<void>()>& paced = {});
    boost::asio::awaitable<void> drop_small_body(Parser& parser, Exchange& ex);
    boost::asio::awaitable<void> read_upload(Parser& parser, Exchange& ex, Request& request);
    boost::asio::awaitable<void> read_form(Parser& parser, Exchange& ex, Request& request);
    boost::asio::awaitable<void> continue_if_expected(Parser& parser);
    // Writes the answer with the headers every answer gets (`origin`: the request's Origin, for
    // CORS); ex gets its status and the body bytes sent.
    boost::asio::awaitable<void> write(Response& res, Exchange& ex, std::string_view origin, bool head,
                                       bool keep_alive);
    boost::asio::awaitable<void> linger_close();

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    Api& api_;
    const Config& config_;
    const Cors& cors_;
    const std::atomic<bool>& stopping_;
    RequestObserver& observer_;
    boost::asio::thread_pool& spool_threads_;
    std::string remote_; // the client's address, for the access log
    bool idle_ = false;
};

} // namespace imgpipe::http
