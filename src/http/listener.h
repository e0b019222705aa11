#pragma once

#include "core/config.h"

#include <utility>
#include <boost/asio/ip/tcp.hpp>

namespace imgpipe::http {

// A socket listening on --host:--port, opened on its own before the rest of the service exists;
// Server takes it over. Throws boost::system::system_error when it cannot listen there.
class Listener {
public:
    explicit Listener(const ServerConfig& config);
    ~Listener();
    Listener(Listener&& other) noexcept
        : protocol_(other.protocol_), fd_(std::exchange(other.fd_, -1)) {}
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    Listener& operator=(Listener&&) = delete;

    boost::asio::ip::tcp protocol() const { return protocol_; }
    int release() { return std::exchange(fd_, -1); } // the socket is the caller's to close

private:
    boost::asio::ip::tcp protocol_ = boost::asio::ip::tcp::v4();
    int fd_ = -1;
};

} // namespace imgpipe::http
