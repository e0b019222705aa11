#pragma once

#include "core/metrics.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace imgpipe::cli {

// Hands the pages the allocator keeps free back to the kernel: with jemalloc (the service's
// allocator, src/cli/jemalloc_conf.cpp) every arena's unused dirty pages, with glibc's malloc (the
// sanitizer build) what malloc_trim can. The service and the workers call it through a
// MemoryRelease (core/memory_release.h), when idle and at least every 20 s under load: a varied
// load (bench/saturate.sh) keeps touching freed pages it had not touched yet (~1 MB a second), so
// the resident set is a sawtooth of that period (107-160 MB; every minute: 112-179); a steady one
// refaults ~3 pages per cold transform more than with a minute (bench/RESULTS.md).
inline constexpr std::chrono::milliseconds kLongestWithoutRelease{20'000};
void release_free_memory();

// The bytes of freed memory the allocator keeps for reuse now: jemalloc's dirty pages, or with
// glibc's malloc the free bytes in its arenas: what release_free_memory() hands back. Dirty pages
// need not all be resident (a buffer freed before all of it was written), so this may exceed RSS.
uint64_t kept_free_bytes();

// imgpipe_allocator_free_bytes, read at every scrape.
inline void register_allocator_metrics(Metrics& metrics) {
    const auto every = std::chrono::duration_cast<std::chrono::seconds>(kLongestWithoutRelease).count();
    metrics.gauge_fn("imgpipe_allocator_free_bytes",
                     "Freed memory the allocator holds for reuse (not all of it resident), handed back "
                     "to the kernel when idle and at least every " + std::to_string(every) + " seconds.",
                     [] { return static_cast<double>(kept_free_bytes()); });
}

} // namespace imgpipe::cli
