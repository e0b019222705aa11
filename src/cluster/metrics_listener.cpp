#include "cluster/metrics_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace imgpipe::cluster {

MetricsListener::MetricsListener(const std::string& host, int port, Body health, Body metrics)
    : health_(std::move(health)), metrics_(std::move(metrics)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
        ::close(fd_);
        throw std::runtime_error("cannot listen for metrics on " + host + ":" + std::to_string(port));
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
}

MetricsListener::~MetricsListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
}

void MetricsListener::serve() {
    while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        timeval tv{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string req;
        char buf[1024];
        while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            req.append(buf, static_cast<size_t>(n));
        }
        std::string status = "200 OK", type = "application/json", body;
        if (req.rfind("GET /health ", 0) == 0) {
            body = health_();
        } else if (req.rfind("GET /metrics ", 0) == 0) {
            type = "text/plain; version=0.0.4";
            body = metrics_();
        } else {
            status = "404 Not Found";
            body = R"({"error":{"code":"not_found","message":"only /health and /metrics here"}})";
        }
        const std::string out = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                                "\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\nConnection: close\r\n\r\n" + body;
        ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
        ::close(c);
    }
}

} // namespace imgpipe::cluster
