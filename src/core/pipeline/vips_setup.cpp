#include "core/pipeline/vips_setup.h"

#include "core/formats/source_format.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <sched.h>
#include <spdlog/spdlog.h>
#include <vips/vips8>
#include <vips/vector.h> // after vips8: it relies on its types

namespace imgpipe {

void start_vips(const char* argv0, int vips_concurrency) {
    if (VIPS_INIT(argv0) != 0) throw std::runtime_error("libvips failed to start");
    // libvips reports recoverable oddities of input files ("unknown EXIF resolution unit") as
    // GLib warnings on stderr; they are about client data, so they go to the debug log.
    g_log_set_handler(
        "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
        [](const gchar*, GLogLevelFlags, const gchar* message, gpointer) {
            spdlog::debug("libvips: {}", message);
        },
        nullptr);
    vips_cache_set_max(0);
    vips_concurrency_set(vips_concurrency);
    // liborc (SIMD code generated at run time) 0.4.33 in Debian 12 races when pipelines are built
    // and freed on several threads at once: the service segfaulted in liborc under bench/run.sh
    // load, and bench/orc_race.cpp crashes within seconds with two threads of resizes or blurs
    // (one thread does not). Without it those ops cost 2.9-3.5x more CPU, whole chains ~25%
    // (bench/RESULTS.md, "liborc"); a server that crashes costs more. libvips 8.15 replaced orc
    // with highway.
    vips_vector_set_enabled(FALSE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (const auto& f : source_formats()) vips_operation_block_set(std::string(f.loader_class).c_str(), FALSE);
}

void begin_vips_job() {
    thread_local bool done = false; // once per thread: the policy stays with it
    if (done) return;
    done = true;
    const sched_param none{};
    if (sched_setscheduler(0, SCHED_BATCH, &none) != 0) { // 0: this thread (Linux)
        spdlog::debug("SCHED_BATCH refused: {}", std::strerror(errno));
    }
}

void end_vips_job() {
    vips_error_clear();
    vips_thread_shutdown();
}

} // namespace imgpipe
