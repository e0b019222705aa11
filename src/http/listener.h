#pragma once

#include "core/config.h"

#include <utility>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace imgpipe::http {

// A socket listening on --host:--port, opened on its own before the rest of the service exists
// (a taken port ends the start before anything is created on disk); Server takes it over.
// Throws std::runtime_error naming host:port when it cannot listen there (taken, not an address of
// this machine, a privileged port) or when the host is not an IP address.
class Listener {
public:
    explicit Listener(const ServerConfig& config);
    ~Listener();
    Listener(Listener&& other) noexcept
        : url_(std::move(other.url_)), protocol_(other.protocol_),
          fd_(std::exchange(other.fd_, -1)) {}
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    Listener& operator=(Listener&&) = delete;

    // Where it listens, as a person types it: http://127.0.0.1:8000, http://[::1]:8000 (the real
    // port, also when 0 was asked for).
    const std::string& url() const { return url_; }
    boost::asio::ip::tcp protocol() const { return protocol_; }
    int release() { return std::exchange(fd_, -1); } // the socket is the caller's to close

private:
    std::string url_;
    boost::asio::ip::tcp protocol_ = boost::asio::ip::tcp::v4();
    int fd_ = -1;
};

} // namespace imgpipe::http
