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

uint64_t kept_free_bytes() {
    uint64_t epoch = 1; // jemalloc's statistics are a snapshot taken when the epoch is advanced
    size_t size = sizeof(epoch);
    mallctl("epoch", &epoch, &size, &epoch, size);
    size_t dirty_pages = 0, page = 0;
    size = sizeof(size_t);
    if (mallctl("stats.arenas.4096.pdirty", &dirty_pages, &size, nullptr, 0) != 0) return 0;
    size = sizeof(size_t);
    if (mallctl("arenas.page", &page, &size, nullptr, 0) != 0) return 0;
    return static_cast<uint64_t>(dirty_pages) * page;
}

} // namespace imgpipe::cli
