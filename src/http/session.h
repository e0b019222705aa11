#pragma once

#include "http/api.h"

#include <utility>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
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
    Session(boost::asio::ip::tcp::socket socket, Api& api, const Config& config,
            const std::atomic<bool>& stopping)
        : stream_(std::move(socket)), api_(api), config_(config), stopping_(stopping) {}

    boost::asio::awaitable<void> run();
    auto executor() { return stream_.get_executor(); }
    // Closes the connection if it is waiting for a new request (used at shutdown).
    void close_if_idle();

private:
    using Parser = beast::http::request_parser<beast::http::buffer_body>;

    // What is known about the request being answered, for the answer and its headers.
    struct Exchange {
        const RouteSpec* spec = nullptr; // null until the route is known
        std::string allow;               // the Allow header of a 405
    };

    // Routes the request, reads the body its route asks for and calls the route's handler.
    boost::asio::awaitable<Response> dispatch(Parser& parser, Exchange& ex);
    // The one place where a failure becomes an answer.
    Response answer(std::exception_ptr failure, const Exchange& ex, const Parser& parser) const;
    boost::asio::awaitable<void> read_body(Parser& parser,
                                           const std::function<void(std::string_view)>& sink);
    boost::asio::awaitable<void> drop_small_body(Parser& parser);
    boost::asio::awaitable<void> read_upload(Parser& parser, Request& request);
    boost::asio::awaitable<void> read_form(Parser& parser, Request& request);
    boost::asio::awaitable<void> continue_if_expected(Parser& parser);
    boost::asio::awaitable<void> write(Response& res, HeaderPolicy policy, bool head, bool keep_alive);
    boost::asio::awaitable<void> linger_close();

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    Api& api_;
    const Config& config_;
    const std::atomic<bool>& stopping_;
    bool idle_ = false;
};

} // namespace imgpipe::http
