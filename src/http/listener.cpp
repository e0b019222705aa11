#include "http/listener.h"

#include <boost/asio/io_context.hpp>

#include <unistd.h>

namespace imgpipe::http {

namespace net = boost::asio;
using net::ip::tcp;

Listener::Listener(const ServerConfig& config) {
    net::io_context ioc; // only to open the socket: the Server's io_context takes it over
    const tcp::endpoint endpoint{net::ip::make_address(config.host), config.port};
    tcp::acceptor acceptor(ioc);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    protocol_ = endpoint.protocol();
    fd_ = acceptor.release();
}

Listener::~Listener() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace imgpipe::http
