#include "http/listener.h"

#include <boost/asio/io_context.hpp>

#include <stdexcept>

#include <unistd.h>

namespace imgpipe::http {

namespace net = boost::asio;
using net::ip::tcp;

namespace {
// "127.0.0.1:8000", "[::1]:8000": IPv6 in brackets, as in a URL.
std::string host_port(const net::ip::address& address, unsigned short port) {
    const std::string host = address.to_string();
    return (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}
} // namespace

Listener::Listener(const ServerConfig& config) {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(config.host, ec);
    if (ec) {
        throw std::runtime_error("cannot listen on '" + config.host +
                                 "': --host must be an IP address, e.g. 127.0.0.1, ::1 or 0.0.0.0");
    }
    const tcp::endpoint endpoint{address, config.port};
    net::io_context ioc; // only to open the socket: the Server's io_context takes it over
    tcp::acceptor acceptor(ioc);
    try {
        acceptor.open(endpoint.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(net::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
        const bool taken = e.code() == net::error::address_in_use;
        throw std::runtime_error(
            "cannot listen on " + host_port(address, config.port) + ": " + e.code().message() +
            (taken ? " (another process has this port: stop it, or choose another --port)" : ""));
    }
    url_ = "http://" + host_port(address, acceptor.local_endpoint().port());
    protocol_ = endpoint.protocol();
    fd_ = acceptor.release();
}

Listener::~Listener() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace imgpipe::http
