// The same work as imgpipe's planned chains, in one process with plain libvips calls and nothing
// else: the floor for "CPU per image". With --staged it does what the original design did
// instead: decode, one op, encode, at every stage of the chain.
//
// With --mipmap it starts, as imgpipe does for a new variant of a large upload, from a 1024-pixel
// raw copy of the original kept in memory (made once per file, not timed), and makes the sizes
// bench/variants.lua asks the service for (with --fixed: always 200x100 / 400x300).
//
//   vips_minimal [--staged|--mipmap [--fixed]] [--window START SECONDS] rotate|thumb ROUNDS FILE...
// prints CPU milliseconds and page faults (minor + major) per image. With --window it makes its
// mipmaps and warms up, waits for the wall-clock time START (seconds since the epoch, as
// `date +%s.%N` prints it), and stops SECONDS later (or after ROUNDS rounds): bench/run.sh runs
// it in the same seconds as the service, on the same CPU. glibc's malloc is told to
// keep what is freed (one arena, no mmap'd blocks under 32 MB, no trimming): by default it hands
// large blocks back to the kernel and pays a fault per 4 KB to get them again, which is no part of
// the work (imgpipe avoids them too, with jemalloc), and where a fault is dear it doubled the CPU.
#include <vips/vips8>
#include <vips/vector.h> // after vips8: it relies on its types

#include <cmath>
#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <string>
#include <sys/resource.h>
#include <time.h>
#include <vector>

using vips::VImage;

static rusage usage() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u;
}

static double cpu_ms(const rusage& u) {
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

static long faults(const rusage& u) { return u.ru_minflt + u.ru_majflt; }

static double wall_seconds() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return static_cast<double>(t.tv_sec) + t.tv_nsec / 1e9;
}

static std::string save(const VImage& img, const char* suffix) {
    void* buf = nullptr;
    size_t len = 0;
    img.write_to_buffer(suffix, &buf, &len);
    std::string out(static_cast<char*>(buf), len);
    g_free(buf);
    return out;
}

// imgpipe's default WebP quality (OutputConfig in src/core/config.h), not libvips' 75: at 75 the
// thumbnails are 19% smaller and cost ~2% less CPU, which is not the same work.
static const char* const kWebp = ".webp[Q=80]";

static VImage rotate_ccw(const VImage& in, double degrees) {
    VImage img = in.has_alpha() ? in : in.bandjoin_const({255.0});
    img = img.premultiply().rotate(-degrees, VImage::option()->set("background", std::vector<double>(4, 0.0)));
    return img.unpremultiply().cast(VIPS_FORMAT_UCHAR);
}

// rotate:10|convert:png|scale:200x100, planned: shrink on load to twice what the scale needs,
// rotate the small image, resize to exactly 200x100, PNG. Rendered into memory where imgpipe's
// executor renders (the rotation's input and output, execute.cpp), so that this stays the same
// work: as one lazy graph the rotation makes its input compute its tiles many times over (from the
// mipmap 19.2 ms per image here, rendered at both 17.5; bench/RESULTS.md).
static std::string rotate_fused(const char* file) {
    VImage head = VImage::new_from_file(file, VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    const double r = 10 * M_PI / 180, w = head.width(), h = head.height();
    const double bw = w * std::cos(r) + h * std::sin(r), bh = w * std::sin(r) + h * std::cos(r);
    const double s = 2 * std::max(200 / bw, 100 / bh);
    VImage img = VImage::thumbnail(file, static_cast<int>(std::ceil(w * s)),
                                   VImage::option()->set("height", static_cast<int>(std::ceil(h * s))))
                     .copy_memory();
    img = rotate_ccw(img, 10).copy_memory();
    img = img.premultiply().resize(200.0 / img.width(), VImage::option()->set("vscale", 100.0 / img.height()));
    return save(img.unpremultiply().cast(VIPS_FORMAT_UCHAR), ".png");
}

// scale:400x300|convert:webp, planned: shrink on load straight to 400x300, WebP.
static std::string thumb_fused(const char* file) {
    VImage img = VImage::thumbnail(file, 480, VImage::option()->set("height", 300)); // fits 480x300
    img = img.resize(400.0 / img.width(), VImage::option()->set("vscale", 300.0 / img.height()));
    return save(img, kWebp);
}

// The original design: every stage decodes its input and encodes its output.
static std::string rotate_staged(const char* file) {
    VImage img = VImage::new_from_file(file);
    std::string a = save(rotate_ccw(img, 10), ".png");                          // rotate worker
    std::string b = save(VImage::new_from_buffer(a, ""), ".png");              // convert worker
    VImage c = VImage::new_from_buffer(b, "");                                  // scale worker
    return save(c.resize(200.0 / c.width(), VImage::option()->set("vscale", 100.0 / c.height())), ".png");
}

static std::string thumb_staged(const char* file) {
    VImage img = VImage::new_from_file(file);
    std::string a = save(img.resize(400.0 / img.width(), VImage::option()->set("vscale", 300.0 / img.height())), ".jpg");
    return save(VImage::new_from_buffer(a, ""), kWebp);
}

// The mipmaps, made before timing starts: raw upright sRGB pixels, at most 1024 on a side, and the
// upright size of the original they were made from (what imgpipe plans with).
struct Raw {
    std::string pixels;
    int width, height, bands;
    double original_width, original_height;
};
static std::vector<Raw> mipmaps;

static Raw make_raw(const char* file) {
    VImage img = VImage::thumbnail(file, 1024, VImage::option()->set("height", 1024)).copy_memory();
    size_t size = 0;
    void* data = img.write_to_memory(&size);
    VImage head = VImage::new_from_file(file);
    const bool turned = vips_image_get_orientation_swap(head.get_image());
    const int w = turned ? head.height() : head.width(), h = turned ? head.width() : head.height();
    Raw r{std::string(static_cast<char*>(data), size), img.width(), img.height(), img.bands(),
          double(w), double(h)};
    g_free(data);
    return r;
}

static VImage from_raw(const Raw& r) {
    return VImage::new_from_memory(const_cast<char*>(r.pixels.data()), r.pixels.size(), r.width, r.height,
                                   r.bands, VIPS_FORMAT_UCHAR)
        .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

static size_t current = 0; // which mipmap the next call uses
static long variant = 0;    // how many images were made: picks the next size (sizes below)
static bool fixed = false;  // --fixed: always 200x100 / 400x300

// The sizes bench/variants.lua asks the service for, in the same order: both sides cycle fast
// around 200x100 (rotate) and 400x300 (thumb), so that every request is a variant nobody asked for
// before. The program makes the same sizes: exactly 400x300 from the 1024x640 mipmaps (15/32,
// then 5/6 across) costs ~7% less CPU than the sizes around it, nearly all in libvips' resampling
// loops (bench/RESULTS.md), which would be a difference of work, not of overhead.
struct Size {
    int width, height;
};
static Size rotate_size(long k) {
    if (fixed) return {200, 100};
    return {190 + int(k % 21), 95 + int(4 * k % 11)};
}
static Size thumb_size(long k) {
    if (fixed) return {400, 300};
    return {380 + int(k % 41), 270 + int(3 * k % 61) + 61 * int(k / 2501)};
}

static VImage resized_to(const VImage& img, Size to) {
    return img.resize(double(to.width) / img.width(),
                      VImage::option()->set("vscale", double(to.height) / img.height()));
}

// As imgpipe plans and runs it (src/core/pipeline/plan.cpp, execute_from in execute.cpp): the
// smallest uniform shrink of the original that keeps `oversample` times the pixels the final
// resize needs from a box of bw x bh (the original, or its bounds once rotated), made from the
// mipmap in one uniform resize.
static VImage shrunk_for(const Raw& r, double bw, double bh, Size to, double oversample) {
    const double s = oversample * std::max(to.width / bw, to.height / bh);
    const double w = std::ceil(r.original_width * s), h = std::ceil(r.original_height * s);
    return from_raw(r).resize(std::max(w / r.width, h / r.height));
}

static std::string rotate_mipmap(const char*) {
    const Size to = rotate_size(variant++);
    const Raw& r = mipmaps[current];
    const double a = 10 * M_PI / 180, w = r.original_width, h = r.original_height;
    const double bw = w * std::cos(a) + h * std::sin(a), bh = w * std::sin(a) + h * std::cos(a);
    VImage img = shrunk_for(r, bw, bh, to, 2).copy_memory();
    img = rotate_ccw(img, 10).copy_memory();
    return save(resized_to(img.premultiply(), to).unpremultiply().cast(VIPS_FORMAT_UCHAR), ".png");
}

static std::string thumb_mipmap(const char*) {
    const Size to = thumb_size(variant++);
    const Raw& r = mipmaps[current];
    return save(resized_to(shrunk_for(r, r.original_width, r.original_height, to, 1), to), kWebp);
}

int main(int argc, char** argv) {
    mallopt(M_ARENA_MAX, 1); // before libvips starts its threads
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (VIPS_INIT(argv[0])) return 1;
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    vips_vector_set_enabled(FALSE); // as imgpipe: liborc is not safe under concurrency here
    int i = 1;
    const bool staged = argc > i && std::strcmp(argv[i], "--staged") == 0;
    const bool mipmap = argc > i && std::strcmp(argv[i], "--mipmap") == 0;
    i += staged || mipmap;
    if (mipmap && argc > i && std::strcmp(argv[i], "--fixed") == 0) fixed = true, ++i;
    double start = 0, seconds = 0; // the window, when given
    if (argc > i + 2 && std::strcmp(argv[i], "--window") == 0) {
        start = std::atof(argv[i + 1]);
        seconds = std::atof(argv[i + 2]);
        i += 3;
    }
    if (argc < i + 3) {
        std::fprintf(stderr, "usage: vips_minimal [--staged|--mipmap [--fixed]] [--window START SECONDS] "
                             "rotate|thumb ROUNDS FILE...\n");
        return 2;
    }
    const std::string chain = argv[i];
    const int rounds = std::atoi(argv[i + 1]);
    auto run = chain == "rotate" ? (staged ? rotate_staged : rotate_fused)
                                 : (staged ? thumb_staged : thumb_fused);
    if (mipmap) {
        run = chain == "rotate" ? rotate_mipmap : thumb_mipmap;
        for (int f = i + 2; f < argc; ++f) mipmaps.push_back(make_raw(argv[f]));
    }
    run(argv[i + 2]); // warm-up
    if (start > 0) {
        const double wait = start - wall_seconds();
        if (wait > 0) {
            const timespec t{static_cast<time_t>(wait), static_cast<long>((wait - static_cast<time_t>(wait)) * 1e9)};
            nanosleep(&t, nullptr);
        }
    }
    const double end = seconds > 0 ? wall_seconds() + seconds : 0;
    auto window_over = [end] { return end > 0 && wall_seconds() >= end; };
    const rusage u0 = usage();
    int images = 0;
    size_t bytes = 0;
    for (int r = 0; r < rounds && !window_over(); ++r) {
        for (int f = i + 2; f < argc && !window_over(); ++f, ++images) {
            current = static_cast<size_t>(f - i - 2);
            bytes += run(argv[f]).size();
        }
    }
    const rusage u1 = usage();
    if (images == 0) return 1;
    std::printf("%.1f %.0f\n", (cpu_ms(u1) - cpu_ms(u0)) / images, static_cast<double>(faults(u1) - faults(u0)) / images);
    std::fprintf(stderr, "%d images, %zu bytes out\n", images, bytes);
    return 0;
}
