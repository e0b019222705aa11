#include "support/test_images.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace imgpipe::test {

using vips::VImage;

VImage quadrants(int w, int h) {
    const int hw = w / 2, hh = h / 2;
    auto block = [](int bw, int bh, std::vector<double> rgb) {
        return VImage::black(bw, bh, VImage::option()->set("bands", 3)).new_from_image(rgb);
    };
    VImage top = block(hw, hh, {255, 0, 0}).join(block(w - hw, hh, {0, 255, 0}), VIPS_DIRECTION_HORIZONTAL);
    VImage bottom =
        block(hw, h - hh, {0, 0, 255}).join(block(w - hw, h - hh, {255, 255, 255}), VIPS_DIRECTION_HORIZONTAL);
    return top.join(bottom, VIPS_DIRECTION_VERTICAL)
        .cast(VIPS_FORMAT_UCHAR)
        .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

VImage photo_like(int w, int h, int seed) {
    std::vector<VImage> bands;
    for (int b = 0; b < 3; ++b) {
        // fractsurf is random per call; the seed picks how the three are mixed, so images differ.
        VImage f = VImage::fractsurf(w, h, 2.2 + 0.1 * ((seed + b) % 5));
        const double lo = f.min(), hi = f.max();
        bands.push_back((f - lo) * (255.0 / (hi - lo)));
    }
    // A gradient keeps large smooth areas, as skies and walls have.
    VImage grad = VImage::xyz(w, h)[0] * (128.0 / w);
    VImage rgb = VImage::bandjoin({bands[0] * 0.7 + grad, bands[1] * 0.8, bands[2] * 0.6 + grad * 0.5});
    return rgb.cast(VIPS_FORMAT_UCHAR)
        .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB))
        .copy_memory();
}

std::string encode(const VImage& img, const std::string& suffix) {
    void* buf = nullptr;
    size_t len = 0;
    img.write_to_buffer(suffix.c_str(), &buf, &len);
    std::string out(static_cast<const char*>(buf), len);
    g_free(buf);
    return out;
}

VImage decode(const std::string& bytes) {
    // Copy the bytes into the image's lifetime: new_from_buffer does not own them.
    VImage img = VImage::new_from_buffer(bytes.data(), bytes.size(), "");
    return img.copy_memory();
}

std::string loader_of(const VImage& img) {
    return img.get_typeof("vips-loader") ? img.get_string("vips-loader") : "";
}

double psnr(const VImage& a, const VImage& b) {
    if (a.width() != b.width() || a.height() != b.height() || a.bands() != b.bands()) {
        throw std::invalid_argument("psnr: images differ in size or bands");
    }
    // With alpha, compare premultiplied values: the colour of an almost transparent pixel is
    // invisible and may be anything, what it contributes to the picture is colour x alpha.
    const bool alpha = a.has_alpha();
    VImage d = (alpha ? a.premultiply() : a.cast(VIPS_FORMAT_FLOAT)) -
               (alpha ? b.premultiply() : b.cast(VIPS_FORMAT_FLOAT));
    const double mse = (d * d).avg();
    if (mse == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(255.0 * 255.0 / mse);
}

std::string colour_at(const VImage& img, int x, int y) {
    const auto p = img.getpoint(x, y);
    auto near = [](double v, double t) { return std::abs(v - t) < 40; };
    if (p.size() >= 3) {
        if (near(p[0], 255) && near(p[1], 0) && near(p[2], 0)) return "red";
        if (near(p[0], 0) && near(p[1], 255) && near(p[2], 0)) return "green";
        if (near(p[0], 0) && near(p[1], 0) && near(p[2], 255)) return "blue";
        if (near(p[0], 255) && near(p[1], 255) && near(p[2], 255)) return "white";
        if (near(p[0], 0) && near(p[1], 0) && near(p[2], 0)) return "black";
    }
    return "other";
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace imgpipe::test
