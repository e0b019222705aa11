#include "http/standby.h"

#include <boost/asio/post.hpp>

#include <memory>

namespace imgpipe::http {

Standby::Standby(std::vector<boost::asio::io_context*> contexts, std::chrono::milliseconds period,
                 Counter& ran)
    : contexts_(std::move(contexts)), period_(period), ran_(ran), thread_([this] { loop(); }) {}

Standby::~Standby() {
    stop_ = true;
    thread_.join();
}

bool Standby::stopped() const {
    if (stop_) return true;
    for (auto* ioc : contexts_) {
        if (ioc->stopped()) return true;
    }
    return false;
}

void Standby::loop() {
    std::vector<std::shared_ptr<std::atomic<bool>>> beats(contexts_.size());
    while (!stopped()) {
        for (size_t i = 0; i < contexts_.size(); ++i) {
            beats[i] = std::make_shared<std::atomic<bool>>(false);
            boost::asio::post(*contexts_[i],
                              [beat = beats[i]] { beat->store(true, std::memory_order_release); });
        }
        std::this_thread::sleep_for(period_);
        // A heartbeat not run: that context's thread is busy or off the CPU. Run what it has ready
        // (the heartbeat among it), each stalled context in turn, until every heartbeat has run.
        bool pending = true;
        while (pending && !stopped()) {
            pending = false;
            size_t ran = 0;
            for (size_t i = 0; i < contexts_.size(); ++i) {
                if (beats[i]->load(std::memory_order_acquire)) continue;
                pending = true;
                ran += contexts_[i]->poll();
            }
            if (ran == 0) {
                if (pending) std::this_thread::yield();
            } else {
                ran_.inc(ran);
            }
        }
    }
}

} // namespace imgpipe::http
