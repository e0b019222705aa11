#include "http/spool_feeder.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <string>
#include <utility>

namespace imgpipe::http {

namespace net = boost::asio;

namespace {
// A batch goes to a thread once this much has collected (one read of the session's), or whatever
// has collected when the previous batch is done: fewer thread hops than one per read.
constexpr size_t kMinBatch = 256 * 1024;
// The most that one append adds (a read of the session's, through the multipart parser).
constexpr size_t kMaxRead = 512 * 1024;
} // namespace

// Shared with the batch in flight, which may outlive the feeder. Every member is touched on the
// session's executor only, but for `writing` and the Spool's digest and file, which belong to the
// pool thread while `running`. The Spool's byte count is the session's (admit).
struct SpoolFeeder::State {
    State(std::unique_ptr<Spool> s, net::any_io_executor ex, net::thread_pool& t)
        : spool(std::move(s)), executor(ex), threads(t), pool_done(ex) {
        // Full size at once: grown by doubling, each upload copied and faulted in fresh pages
        // (page faults under memmove were 6.6% of a 50 MB upload's samples); two allocations of
        // one size are reused by the allocator from one upload to the next (32 faults per upload).
        queued.reserve(kMaxQueued + kMaxRead);
        writing.reserve(kMaxQueued + kMaxRead);
    }
    std::unique_ptr<Spool> spool;
    net::any_io_executor executor;
    net::thread_pool& threads;
    net::steady_timer pool_done;  // cancelled when a batch or the removal ends: wakes the session
    std::string queued;           // collecting
    std::string writing;          // being digested and written
    bool running = false;
    bool discarded = false; // by discard() or the feeder's end: start nothing more
    bool dropped = false;   // the feeder's end without finish or discard, with a batch in flight
    std::exception_ptr error;

    // Runs work(*this) on a pool thread with `running` set; back on the session's executor, clears
    // it, keeps the first error, calls then(self) and wakes the session if it waits. The last
    // reference to the state goes on the session's executor, where the timer lives.
    template <class Work, class Then>
    void on_pool(const std::shared_ptr<State>& self, Work work, Then then) {
        running = true;
        net::post(threads, [self, work = std::move(work), then = std::move(then)]() mutable {
            std::exception_ptr failed;
            try {
                work(*self);
            } catch (...) {
                failed = std::current_exception();
            }
            auto ex = self->executor;
            net::post(ex, [self = std::move(self), then = std::move(then), failed]() mutable {
                self->running = false;
                if (failed && !self->error) self->error = failed;
                then(self);
                self->pool_done.cancel();
            });
        });
    }

    void start(const std::shared_ptr<State>& self) {
        std::swap(queued, writing); // both keep their capacity: no allocation per batch
        on_pool(self, [](State& s) { s.spool->absorb(s.writing); },
                [](const std::shared_ptr<State>& s) { s->batch_ended(s); });
    }

    void batch_ended(const std::shared_ptr<State>& self) {
        writing.clear();
        if (dropped && spool) return let_go(self);
        if (error || discarded) return;
        if (queued.size() >= kMinBatch) start(self);
    }

    // The Spool (and its file) goes on a pool thread: unlinking a large file takes milliseconds
    // (15 ms for 50 MB here), and the Spool waits for its flush in flight; on the session's thread
    // either would stall every connection it serves.
    void let_go(const std::shared_ptr<State>& self) {
        on_pool(self, [](State& s) { s.spool.reset(); }, [](const auto&) {});
    }

    void rethrow() const {
        if (error) std::rethrow_exception(error);
    }
};

SpoolFeeder::SpoolFeeder(std::unique_ptr<Spool> spool, net::any_io_executor executor, net::thread_pool& threads)
    : state_(std::make_shared<State>(std::move(spool), std::move(executor), threads)) {}

// A feeder dropped without finish or discard (the client went away) starts nothing more. With a
// batch in flight, the Spool goes on a pool thread when the batch has ended; without one, here and
// now (it waits for its flush in flight, if any). Not posted to the pool from here: a feeder is
// also dropped when the server ends and destroys its sessions' coroutines, after the pool is gone.
SpoolFeeder::~SpoolFeeder() {
    if (!state_) return;
    state_->discarded = state_->dropped = true;
    if (!state_->running) state_->spool.reset();
}

void SpoolFeeder::append(std::string_view data) {
    State& s = *state_;
    s.rethrow();
    s.spool->admit(data.size());
    s.queued.append(data);
    if (!s.running && s.queued.size() >= kMinBatch) s.start(state_);
}

net::awaitable<void> SpoolFeeder::wait_for_threads() {
    boost::system::error_code ec; // operation_aborted: a batch or the removal ended
    state_->pool_done.expires_at(net::steady_timer::time_point::max());
    co_await state_->pool_done.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> SpoolFeeder::pace() {
    while (!state_->error && state_->running && state_->queued.size() >= kMaxQueued) co_await wait_for_threads();
    state_->rethrow();
}

net::awaitable<std::unique_ptr<Spool>> SpoolFeeder::finish() {
    for (;;) {
        while (state_->running) co_await wait_for_threads();
        state_->rethrow();
        if (state_->queued.empty()) break;
        state_->start(state_);
    }
    co_return std::move(state_->spool);
}

net::awaitable<void> SpoolFeeder::discard() {
    State& s = *state_;
    s.discarded = true;
    while (s.running) co_await wait_for_threads();
    s.let_go(state_);
    while (s.running) co_await wait_for_threads();
}

} // namespace imgpipe::http
