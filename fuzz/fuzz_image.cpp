// The image load path with limits, as an upload takes it: sniff and probe the header (pixel limit),
// decode every pixel (fail on error), then load shrunk and normalise the colour as a transform does.
// Any input either passes or throws imgpipe::Error: never a crash, a hang or a sanitizer report.
// Memory is a budget too: the peak of live heap bytes is tracked per input (sanitizer malloc
// hooks), and an input under 1 KB that makes the load path hold more than 64 MB fails the run.
#include "core/config.h"
#include "core/errors.h"
#include "core/pipeline/load.h"
#include "core/pipeline/vips_setup.h"

#include <sanitizer/allocator_interface.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

constexpr size_t kSmallInput = 1024;
constexpr long long kSmallInputBudget = 64ll * 1024 * 1024;

// Live heap bytes and their peak, kept by the allocator hooks (decoder threads included).
std::atomic<long long> live{0}, peak{0};
long long worst_small_peak = 0; // over all inputs under kSmallInput: reported at exit

void on_malloc(const volatile void*, size_t size) {
    const long long now = live.fetch_add(static_cast<long long>(size)) + static_cast<long long>(size);
    long long seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
}

void on_free(const volatile void* p) {
    if (!p) return;
    live.fetch_sub(static_cast<long long>(__sanitizer_get_allocated_size(const_cast<const void*>(p))));
}

void report() {
    std::fprintf(stderr, "fuzz_image: the largest heap peak for an input under %zu bytes: %.1f MB\n", kSmallInput,
                 static_cast<double>(worst_small_peak) / (1024 * 1024));
}

std::string input_path() {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/imgpipe-fuzz-image-" + std::to_string(::getpid());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    (void)argc;
    imgpipe::start_vips((*argv)[0], 1);
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    std::atexit(report);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = input_path();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    const long long start = live.load();
    peak = start;
    imgpipe::LimitsConfig limits;
    limits.max_source_pixels = 4'000'000; // what a small server would set; bombs stop here
    try {
        const auto info = imgpipe::probe_image(path, limits);
        imgpipe::verify_decodable(path);
        vips::VImage img = imgpipe::normalise_colour(imgpipe::load_shrunk(path, 32, 32));
        if (info.width <= 0 || info.height <= 0 || img.width() <= 0) std::abort();
        (void)img.avg();
    } catch (const imgpipe::Error&) {
    } catch (const vips::VError&) {
        // load_shrunk of a file verify_decodable accepted must not fail either.
        std::abort();
    }
    const long long used = peak.load() - start;
    if (size < kSmallInput) {
        worst_small_peak = std::max(worst_small_peak, used);
        if (used > kSmallInputBudget) {
            std::fprintf(stderr, "fuzz_image: an input of %zu bytes made the load path hold %.1f MB\n", size,
                         static_cast<double>(used) / (1024 * 1024));
            std::abort();
        }
    }
    return 0;
}
