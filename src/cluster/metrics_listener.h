#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace imgpipe::cluster {

// A worker's own small HTTP listener: GET /health (JSON) and GET /metrics (Prometheus text), one
// short request per connection, on its own thread. Not the API: nothing else is answered.
class MetricsListener {
public:
    using Body = std::function<std::string()>;
    // Throws std::runtime_error naming the address when it cannot listen.
    MetricsListener(const std::string& host, int port, Body health, Body metrics);
    ~MetricsListener();
    int port() const { return port_; }

private:
    void serve();

    int fd_ = -1;
    int port_ = 0;
    Body health_, metrics_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace imgpipe::cluster
