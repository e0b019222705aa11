#include "core/process_metrics.h"

#include <vips/vips.h>

#include <unistd.h>

#include <fstream>

#ifndef IMGPIPE_VERSION
#define IMGPIPE_VERSION "unknown"
#endif

namespace imgpipe {

double resident_memory_bytes() {
    // statm: size resident shared text lib data dt, in pages.
    std::ifstream statm("/proc/self/statm");
    double size = 0, resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

void register_process_metrics(Metrics& metrics) {
    metrics.gauge_fn("process_resident_memory_bytes", "Resident memory size in bytes.", resident_memory_bytes);
    metrics.gauge_fn("imgpipe_vips_memory_bytes", "Bytes libvips has allocated now (pixel buffers, caches).",
                     [] { return static_cast<double>(vips_tracked_get_mem()); });
    metrics.gauge_fn("imgpipe_vips_memory_highwater_bytes",
                     "The most bytes libvips has had allocated at once since the start.",
                     [] { return static_cast<double>(vips_tracked_get_mem_highwater()); });
    metrics.gauge_fn("imgpipe_vips_cache_operations", "Operations held in the libvips operation cache.",
                     [] { return static_cast<double>(vips_cache_get_size()); });
    metrics.gauge("imgpipe_build_info", "Always 1; the labels say which build answers.",
                  {{"version", IMGPIPE_VERSION}, {"libvips", vips_version_string()}})
        .set(1);
}

} // namespace imgpipe
