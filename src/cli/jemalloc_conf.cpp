// jemalloc's settings for the service, and its release of free pages (src/cli/allocator.h).
#include "cli/allocator.h"

#include <jemalloc/jemalloc.h>

// Read by jemalloc when it starts (the MALLOC_CONF environment variable still adds to it).
// - Freed pages stay with the process until release_free_memory(): "dirty" pages are never
//   returned on jemalloc's own schedule (-1), so none become "muzzy" either.
// - One arena per CPU, used by the threads running there (the default is four per CPU, each
//   thread bound to one): each arena keeps its own free pages, and with four per CPU a cold
//   rotate load held ~150 MB against ~107 MB (bench/RESULTS.md), at the same CPU per transform.
extern "C" {
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1,percpu_arena:percpu";
}

namespace imgpipe::cli {

void release_free_memory() {
    static_assert(MALLCTL_ARENAS_ALL == 4096, "arena.4096 names every arena");
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

namespace {
// jemalloc's statistics are a snapshot taken when the epoch is advanced.
void refresh_stats() {
    uint64_t epoch = 1;
    size_t size = sizeof(epoch);
    mallctl("epoch", &epoch, &size, &epoch, size);
}

size_t read_size(const char* name) {
    size_t value = 0, size = sizeof(value);
    return mallctl(name, &value, &size, nullptr, 0) == 0 ? value : 0;
}
} // namespace

uint64_t kept_free_bytes() {
    refresh_stats();
    return static_cast<uint64_t>(read_size("stats.arenas.4096.pdirty")) * read_size("arenas.page");
}

uint64_t live_bytes() {
    refresh_stats();
    return read_size("stats.allocated");
}

} // namespace imgpipe::cli
