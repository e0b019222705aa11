// liborc in libvips 8.14 (Debian 12: liborc 0.4.33), two questions (issue 14):
//   orc_race cost ROUNDS
//       CPU ms per op on a 2560x1600 RGB image, orc off then on, one thread: what disabling it
//       costs, op by op
//   orc_race race SECONDS THREADS [on|off [resize|blur|both]]
//       orc on (or off: the control); THREADS threads build, run and free small pipelines of ops
//       that compile orc code (reduce, integer convolution) for SECONDS. A crash ends the process
//       (SIGSEGV, or glibc's abort on a corrupted heap); otherwise it prints what it ran.
// imgpipe runs with orc disabled (src/core/pipeline/vips_setup.cpp) because the service crashed
// inside liborc under load. Build: see bench/README.md, "liborc".
#include <vips/vips8>
#include <vips/vector.h> // after vips8: it relies on its types

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

using vips::VImage;

static double cpu_ms() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

static VImage photo_like(int w, int h) {
    // Smooth gradients plus noise, 8-bit sRGB, in memory: decode is not what is measured.
    VImage xy = VImage::xyz(w, h);
    VImage g = (xy[0] * (255.0 / w) + xy[1] * (128.0 / h)).bandjoin({xy[1] * (255.0 / h), xy[0] * 0.05 + 60});
    VImage noise = VImage::gaussnoise(w, h, VImage::option()->set("sigma", 12.0));
    return (g + noise).cast(VIPS_FORMAT_UCHAR).copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB)).copy_memory();
}

struct Op {
    const char* name;
    std::function<VImage(const VImage&)> run;
};

static const std::vector<Op>& ops() {
    static const std::vector<Op> all = {
        {"resize 0.16 (shrink + reduce, lanczos3)", [](const VImage& i) { return i.resize(0.16); }},
        {"resize 0.4", [](const VImage& i) { return i.resize(0.4); }},
        {"reducev 2.5 alone", [](const VImage& i) { return i.reducev(2.5); }},
        {"gaussblur 1.5 (integer)", [](const VImage& i) { return i.gaussblur(1.5); }},
        {"gaussblur 3 (integer)", [](const VImage& i) { return i.gaussblur(3.0); }},
        {"sharpen", [](const VImage& i) { return i.sharpen(); }},
        {"rotate 10 (float, no orc path)", [](const VImage& i) { return i.rotate(10.0); }},
    };
    return all;
}

static double time_op(const Op& op, const VImage& in, int rounds) {
    op.run(in).avg(); // warm-up
    const double t0 = cpu_ms();
    for (int r = 0; r < rounds; ++r) op.run(in).avg();
    return (cpu_ms() - t0) / rounds;
}

int main(int argc, char** argv) {
    if (VIPS_INIT(argv[0])) return 1;
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    if (argc >= 3 && std::strcmp(argv[1], "cost") == 0) {
        const int rounds = std::atoi(argv[2]);
        const VImage in = photo_like(2560, 1600);
        std::printf("| op on 2560x1600 RGB, one thread | orc off ms | orc on ms | off / on |\n|---|---|---|---|\n");
        for (const Op& op : ops()) {
            vips_vector_set_enabled(FALSE);
            const double off = time_op(op, in, rounds);
            vips_vector_set_enabled(TRUE);
            const double on = time_op(op, in, rounds);
            std::printf("| %s | %.1f | %.1f | %.2f |\n", op.name, off, on, off / on);
        }
        return 0;
    }
    if (argc >= 4 && std::strcmp(argv[1], "race") == 0) {
        const int seconds = std::atoi(argv[2]), threads = std::atoi(argv[3]);
        const bool orc = argc < 5 || std::strcmp(argv[4], "off") != 0;
        const std::string which = argc < 6 ? "both" : argv[5]; // resize, blur or both
        vips_vector_set_enabled(orc);
        const VImage in = photo_like(640, 400);
        std::atomic<long> done{0};
        std::atomic<bool> stop{false};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; !stop; ++i) {
                    // A new scale and radius each time: libvips compiles orc code per operation.
                    const double s = 0.2 + 0.01 * ((i * 7 + t) % 60);
                    const double sigma = 0.8 + 0.1 * (i % 20);
                    if (which == "resize") in.resize(s).avg();
                    else if (which == "blur") in.gaussblur(sigma).avg();
                    else in.resize(s).gaussblur(sigma).avg();
                    vips_thread_shutdown();
                    ++done;
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        stop = true;
        for (auto& th : pool) th.join();
        std::printf("%ld pipelines on %d threads in %d s with orc %s: no crash\n", done.load(), threads, seconds,
                    orc ? "enabled" : "disabled");
        return 0;
    }
    std::fprintf(stderr, "usage: orc_race cost ROUNDS | orc_race race SECONDS THREADS\n");
    return 2;
}
