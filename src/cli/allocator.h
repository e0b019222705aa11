#pragma once

#include "core/metrics.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace imgpipe::cli {

// Hands the pages the allocator keeps free back to the kernel: with jemalloc (the service's
// allocator, src/cli/jemalloc_conf.cpp) every arena's unused dirty pages, with glibc's malloc (the
// sanitizer build) what malloc_trim can. The service and the workers call it through a
// MemoryRelease (core/memory_release.h), when idle, above kMostKeptFree (below), and at least
// every 20 s under load: a varied load (bench/saturate.sh) keeps touching freed pages it had not
// touched yet (~1 MB a second), so the resident set is a sawtooth of that period (107-160 MB;
// every minute: 112-179); a steady one refaults ~3 pages per cold transform more than with a
// minute (bench/RESULTS.md).
inline constexpr std::chrono::milliseconds kLongestWithoutRelease{20'000};
void release_free_memory();

// The bytes of freed memory the allocator keeps for reuse now: jemalloc's dirty pages, or with
// glibc's malloc the free bytes in its arenas: what release_free_memory() hands back. Dirty pages
// need not all be resident (a buffer freed before all of it was written), so this may exceed RSS.
uint64_t kept_free_bytes();

// The bytes allocated and not yet freed (jemalloc's stats.allocated; with glibc's malloc, its
// arenas' and mmapped chunks' bytes in use). Beside kept_free_bytes(), it tells a resident set
// that grows because more is in use (a cache filling, a leak) from one that grows because freed
// pages are held.
uint64_t live_bytes();

// And released as soon as it keeps more than this, whatever the period: under bench/saturate.sh's
// mix 20 s were enough to gather 140-190 MB of freed pages, more as the run went on (its store
// grows), and the resident set drifted up by 15-20% over 10 minutes; a steady cold load keeps
// 55-70 MB between releases (rotate chain, c=2), which this leaves alone.
inline constexpr uint64_t kMostKeptFree = 96ull * 1024 * 1024;
inline bool keeps_too_much() { return kept_free_bytes() > kMostKeptFree; }

// imgpipe_allocator_free_bytes and imgpipe_allocator_live_bytes, read at every scrape.
inline void register_allocator_metrics(Metrics& metrics) {
    const auto every = std::chrono::duration_cast<std::chrono::seconds>(kLongestWithoutRelease).count();
    metrics.gauge_fn("imgpipe_allocator_free_bytes",
                     "Freed memory the allocator holds for reuse (not all of it resident), handed back "
                     "to the kernel when idle, at least every " + std::to_string(every) + " seconds and "
                     "above " + std::to_string(kMostKeptFree >> 20) + " MB.",
                     [] { return static_cast<double>(kept_free_bytes()); });
    metrics.gauge_fn("imgpipe_allocator_live_bytes",
                     "Memory allocated and not freed: what the process uses through its allocator "
                     "(caches included), beside what it keeps free.",
                     [] { return static_cast<double>(live_bytes()); });
}

} // namespace imgpipe::cli
