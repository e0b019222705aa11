// calloc for the jemalloc build of the service: malloc + memset.
//
// libvips 8.14 allocates every pixel buffer with calloc (vips_tracked_malloc -> g_malloc0), a
// 64-465 KB block per region per pipeline. jemalloc's calloc zeroes a reused large block by
// handing its pages back to the kernel (madvise MADV_DONTNEED) and letting them fault in again as
// zero pages: a cold rotate chain cost ~3,200 page faults and 100 ms of CPU instead of ~35 ms on
// the project's 2-core VMs, where a fault and the TLB shootdown of each madvise are expensive
// (bench/RESULTS.md, "Where the time went"). memset on a block that is still mapped costs a few
// microseconds. The executable's calloc is found before libjemalloc's by every library, glib's
// g_malloc0 included. mallocx (jemalloc's own entry point) and not malloc: GCC may fold
// malloc + memset back into calloc.
#include <cerrno>
#include <cstddef>
#include <cstring>

#include <jemalloc/jemalloc.h>

extern "C" void* calloc(std::size_t count, std::size_t size) noexcept {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    void* block = mallocx(bytes == 0 ? 1 : bytes, 0);
    if (block == nullptr) {
        errno = ENOMEM;
        return nullptr;
    }
    std::memset(block, 0, bytes);
    return block;
}
