#include "e2e/link_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace imgpipe::e2e {

LinkServer::LinkServer(std::string address) : address_(std::move(address)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    if (::inet_pton(AF_INET, address_.c_str(), &addr.sin_addr) != 1) {
        throw std::runtime_error("link server: bad address " + address_);
    }
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
        throw std::runtime_error("link server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

LinkServer::~LinkServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    for (auto& t : connections_) t.join();
}

std::string LinkServer::url(const std::string& path) const {
    return "http://" + address_ + ":" + std::to_string(port_) + path;
}

void LinkServer::on(const std::string& path, Handler handler) {
    std::lock_guard lock(mutex_);
    handlers_[path] = std::move(handler);
}

void LinkServer::write_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

void LinkServer::hold_until_closed(int fd, std::chrono::milliseconds limit) {
    pollfd p{fd, POLLIN, 0};
    const auto end = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    while (std::chrono::steady_clock::now() < end) {
        if (::poll(&p, 1, 100) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0) return; // closed
    }
}

void LinkServer::serve_bytes(const std::string& path, std::string bytes, std::string type) {
    on(path, [bytes = std::move(bytes), type = std::move(type)](int fd) {
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " +
                          std::to_string(bytes.size()) + "\r\nConnection: close\r\n\r\n" + bytes);
    });
}

void LinkServer::redirect(const std::string& path, std::string location) {
    on(path, [location = std::move(location)](int fd) {
        write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + location +
                          "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
}

void LinkServer::accept_loop() {
    while (!stopping_) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (stopping_) return;
            continue;
        }
        std::lock_guard lock(mutex_);
        connections_.emplace_back([this, fd] { handle(fd); });
    }
}

void LinkServer::handle(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
    }
    const auto sp1 = request.find(' ');
    const auto sp2 = request.find(' ', sp1 + 1);
    const std::string path = sp1 == std::string::npos ? "" : request.substr(sp1 + 1, sp2 - sp1 - 1);
    Handler h;
    {
        std::lock_guard lock(mutex_);
        auto it = handlers_.find(path);
        if (it != handlers_.end()) h = it->second;
    }
    if (h) {
        h(fd);
    } else {
        write_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

} // namespace imgpipe::e2e
