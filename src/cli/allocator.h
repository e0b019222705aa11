#pragma once

#include <chrono>

namespace imgpipe::cli {

// Hands the pages the allocator keeps free back to the kernel: with jemalloc (the service's
// allocator, src/cli/jemalloc_conf.cpp) every arena's unused dirty pages, with glibc's malloc (the
// sanitizer build) what malloc_trim can. The service and the workers call it through a
// MemoryRelease (core/memory_release.h), when idle and at least every:
inline constexpr std::chrono::milliseconds kLongestWithoutRelease{60'000};
void release_free_memory();

} // namespace imgpipe::cli
