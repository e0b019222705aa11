#include "http/io_threads.h"

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace imgpipe::http {

namespace {

// The first field of /proc/<tid>/syscall: the number of the system call the thread is blocked
// in, "running" when it is on a CPU or runnable, "-1" when it is blocked outside one.
bool in_epoll_wait(int fd) {
    char text[32];
    const ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0) return false;
    text[n] = '\0';
    char* end = nullptr;
    const long number = std::strtol(text, &end, 10);
    if (end == text) return false;
    return number == SYS_epoll_wait || number == SYS_epoll_pwait || number == SYS_epoll_pwait2;
}

} // namespace

IoThreads::~IoThreads() {
    for (int fd : syscall_files_) close(fd);
}

void IoThreads::add_this_thread() {
    const std::string path = "/proc/self/task/" + std::to_string(gettid()) + "/syscall";
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    syscall_files_.push_back(fd);
}

bool IoThreads::one_waits_for_events() const {
    std::lock_guard lock(mutex_);
    for (int fd : syscall_files_) {
        if (in_epoll_wait(fd)) return true;
    }
    return false;
}

} // namespace imgpipe::http
