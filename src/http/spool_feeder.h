#pragma once

#include "core/storage/spool.h"

#include <utility> // before Asio: its awaitable.hpp uses std::exchange without it
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string_view>

namespace imgpipe::http {

// Hands an upload's bytes to its Spool on another thread, which digests (MD5) and writes them
// while the session receives the next ones (the Spool flushes them behind on a thread of its own).
// Digesting is half the CPU of receiving an upload (MD5 runs at ~700 MB/s); done in line, it kept a
// 50 MB upload near 240 MB/s with the second core idle.
//
// The session calls append (any size, on its own executor), pace after each chunk it received, and
// finish at the end of the body. At most one batch is being written while the next one collects;
// pace waits while more than kMaxQueued bytes are collected, so an upload never holds more than
// about 2 x kMaxQueued bytes of memory, however fast the client sends. The limit on the upload's
// size is checked in append, as bytes arrive; a write or flush error (a full disk) surfaces at the
// next append, pace or finish. Dropped without discard (the client went away), the feeder lets a
// batch in flight finish, then the Spool removes its file (after its flush in flight, if any).
class SpoolFeeder {
public:
    static constexpr size_t kMaxQueued = 4 * 1024 * 1024;

    // `executor`: the session's (all calls come from it); `threads`: where batches are written.
    SpoolFeeder(std::unique_ptr<Spool> spool, boost::asio::any_io_executor executor,
                boost::asio::thread_pool& threads);
    ~SpoolFeeder();
    SpoolFeeder(const SpoolFeeder&) = delete;
    SpoolFeeder& operator=(const SpoolFeeder&) = delete;

    void append(std::string_view data);
    boost::asio::awaitable<void> pace();
    // Every byte digested and written (not all fsynced: Spool::finish does that): the Spool.
    boost::asio::awaitable<std::unique_ptr<Spool>> finish();
    // For an upload that failed: waits for the batch in flight, removes the file, so that
    // the error's answer leaves nothing behind.
    boost::asio::awaitable<void> discard();

private:
    struct State;
    boost::asio::awaitable<void> wait_for_threads();

    std::shared_ptr<State> state_;
};

} // namespace imgpipe::http
