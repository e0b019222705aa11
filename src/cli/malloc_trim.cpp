// The release of free pages (src/cli/allocator.h) for builds without jemalloc (the sanitizer
// build): glibc's malloc.
#include "cli/allocator.h"

#include <malloc.h>

namespace imgpipe::cli {

void release_free_memory() { malloc_trim(0); }

uint64_t kept_free_bytes() { return mallinfo2().fordblks; }

uint64_t live_bytes() {
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

} // namespace imgpipe::cli
