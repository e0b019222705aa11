#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgpipe::e2e {

// A tiny HTTP server on 127.0.0.1 for link-upload tests: each path answers with a handler that
// writes whatever it wants to the socket (a file, a redirect, an endless body, nothing at all).
class LinkServer {
public:
    using Handler = std::function<void(int fd)>;

    explicit LinkServer(std::string address = "127.0.0.1"); // any 127/8 address works on Linux
    ~LinkServer();
    int port() const { return port_; }
    std::string url(const std::string& path) const;

    void on(const std::string& path, Handler handler);
    // Common answers.
    void serve_bytes(const std::string& path, std::string bytes, std::string content_type);
    void redirect(const std::string& path, std::string location);

    static void write_all(int fd, const std::string& data);
    // Answers nothing and waits until the peer closes the connection (or `limit` passes): a
    // server that never answers, for as long as the client cares to wait.
    static void hold_until_closed(int fd, std::chrono::milliseconds limit);

private:
    void accept_loop();
    void handle(int fd);

    std::string address_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::map<std::string, Handler> handlers_;
    std::thread acceptor_;
    std::vector<std::thread> connections_;
};

} // namespace imgpipe::e2e
