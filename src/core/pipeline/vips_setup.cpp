#include "core/pipeline/vips_setup.h"

#include <stdexcept>
#include <vips/vips8>

namespace imgpipe {

void start_vips(const char* argv0, int vips_concurrency) {
    if (VIPS_INIT(argv0) != 0) throw std::runtime_error("libvips failed to start");
    vips_cache_set_max(0);
    vips_concurrency_set(vips_concurrency);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (const char* allowed : {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
                                "VipsForeignLoadNsgif", "VipsForeignLoadTiff",
                                "VipsForeignLoadHeif"}) {
        vips_operation_block_set(allowed, FALSE);
    }
}

void end_vips_job() {
    vips_error_clear();
    vips_thread_shutdown();
}

} // namespace imgpipe
