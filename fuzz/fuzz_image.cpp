// The image load path with limits, as an upload takes it: sniff and probe the header (pixel limit),
// decode every pixel (fail on error), then load shrunk and normalise the colour as a transform does.
// Any input either passes or throws imgpipe::Error: never a crash, a hang or a sanitizer report.
#include "core/config.h"
#include "core/errors.h"
#include "core/pipeline/load.h"
#include "core/pipeline/vips_setup.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

std::string input_path() {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/imgpipe-fuzz-image-" + std::to_string(::getpid());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    (void)argc;
    imgpipe::start_vips((*argv)[0], 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = input_path();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
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
    return 0;
}
