#pragma once

#include <utility>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace imgpipe::http {

// Request coalescing: while a computation for a key is running, further requests for the same key
// wait for its result instead of computing it again. Each waiter resumes on its own executor.
template <class Result>
class Coalescer {
public:
    // Runs `make()` (an awaitable factory) once per key at a time; concurrent callers with the
    // same key share its result or its exception. `joined` tells a caller it did not compute.
    template <class Make>
    boost::asio::awaitable<Result> run(const std::string& key, Make make, bool& joined) {
        std::shared_ptr<Flight> flight;
        {
            std::lock_guard lock(mutex_);
            auto& slot = flights_[key];
            joined = slot != nullptr;
            if (!slot) slot = std::make_shared<Flight>();
            flight = slot;
        }
        if (joined) co_return co_await wait(flight);

        std::exception_ptr error;
        Result result{};
        try {
            result = co_await make();
        } catch (...) {
            error = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            flights_.erase(key);
        }
        flight->finish(error, result);
        if (error) std::rethrow_exception(error);
        co_return result;
    }

private:
    struct Waiter {
        virtual ~Waiter() = default;
        virtual void complete(std::exception_ptr error, const Result& result) = 0;
    };
    template <class Handler>
    struct WaiterFor final : Waiter {
        explicit WaiterFor(Handler h) : handler(std::move(h)) {}
        void complete(std::exception_ptr error, const Result& result) override {
            auto ex = boost::asio::get_associated_executor(handler);
            boost::asio::dispatch(ex, [h = std::move(handler), error, result]() mutable {
                h(error, result);
            });
        }
        Handler handler;
    };
    struct Flight {
        std::mutex mutex;
        bool done = false;
        std::exception_ptr error;
        Result result{};
        std::vector<std::unique_ptr<Waiter>> waiters;

        void finish(std::exception_ptr e, const Result& r) {
            std::vector<std::unique_ptr<Waiter>> ready;
            {
                std::lock_guard lock(mutex);
                done = true;
                error = e;
                result = r;
                ready.swap(waiters);
            }
            for (auto& w : ready) w->complete(e, r);
        }
    };

    static boost::asio::awaitable<Result> wait(std::shared_ptr<Flight> flight) {
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(std::exception_ptr, Result)>(
            [flight](auto handler) {
                auto waiter = std::make_unique<WaiterFor<decltype(handler)>>(std::move(handler));
                std::unique_lock lock(flight->mutex);
                if (!flight->done) {
                    flight->waiters.push_back(std::move(waiter));
                    return;
                }
                lock.unlock();
                waiter->complete(flight->error, flight->result);
            },
            boost::asio::use_awaitable);
    }

    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

} // namespace imgpipe::http
