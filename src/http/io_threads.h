#pragma once

#include <mutex>
#include <vector>

namespace imgpipe::http {

// The threads that run the server's io_context, each added by itself before it runs it, and what
// the kernel says each is doing. One of them blocked in epoll_wait means no handler is ready
// (asio wakes that thread for any event and any post), so nothing can be waiting for a stalled
// thread: the Standby (standby.h) then has nothing to check, and does not wake a thread to check.
class IoThreads {
public:
    IoThreads() = default;
    ~IoThreads(); // closes the files below
    IoThreads(const IoThreads&) = delete;
    IoThreads& operator=(const IoThreads&) = delete;

    // The calling thread is one of them. Without /proc it is not watched (then no thread is ever
    // seen waiting, and the Standby checks every period, as it does with none added).
    void add_this_thread();
    // One of them is blocked in epoll_wait now (from /proc/self/task/<tid>/syscall: ~2 us).
    bool one_waits_for_events() const;

private:
    mutable std::mutex mutex_;
    std::vector<int> syscall_files_; // open, read again from the start for each look
};

} // namespace imgpipe::http
