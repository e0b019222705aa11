#include "http/standby.h"

#include <boost/asio/post.hpp>

#include <memory>

namespace imgpipe::http {

Standby::Standby(boost::asio::io_context& ioc, std::chrono::milliseconds period, Counter& ran)
    : ioc_(ioc), period_(period), ran_(ran), thread_([this] { loop(); }) {}

Standby::~Standby() {
    stop_ = true;
    thread_.join();
}

void Standby::loop() {
    while (!stop_ && !ioc_.stopped()) {
        auto beat = std::make_shared<std::atomic<bool>>(false);
        boost::asio::post(ioc_, [beat] { beat->store(true, std::memory_order_release); });
        std::this_thread::sleep_for(period_);
        // The heartbeat not run: every thread of the io_context is busy or off the CPU.
        while (!beat->load(std::memory_order_acquire) && !stop_ && !ioc_.stopped()) {
            const size_t n = ioc_.poll();
            if (n == 0) {
                std::this_thread::yield();
            } else {
                ran_.inc(n);
            }
        }
    }
}

} // namespace imgpipe::http
