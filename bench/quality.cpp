// How close an encoded output is to its source: the source resized by libvips to the output's
// exact size is the reference. Prints, for each output, PSNR in dB over the R, G and B values and
// SSIM of the luminance (Wang et al. 2004: Gaussian window of sigma 1.5, K1 0.01, K2 0.03).
//
//   quality SOURCE OUTPUT...      one line per output: "<psnr> <ssim> <width>x<height> <loader>"
#include <vips/vips8>

#include <cmath>
#include <cstdio>
#include <string>

using vips::VImage;

// In memory: both measures read every pixel several times, and the loaders read once, in order.
static VImage rgb(VImage img) {
    if (img.has_alpha()) img = img.flatten(VImage::option()->set("background", 255.0));
    return img.colourspace(VIPS_INTERPRETATION_sRGB).cast(VIPS_FORMAT_FLOAT).copy_memory();
}

static double psnr(const VImage& a, const VImage& b) {
    const double mse = (a - b).pow(2).avg();
    return mse == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / mse);
}

static double ssim(const VImage& a, const VImage& b) {
    const auto blur = [](const VImage& i) { return i.gaussblur(1.5, VImage::option()->set("min_ampl", 0.01)); };
    const VImage x = a.colourspace(VIPS_INTERPRETATION_B_W).cast(VIPS_FORMAT_FLOAT);
    const VImage y = b.colourspace(VIPS_INTERPRETATION_B_W).cast(VIPS_FORMAT_FLOAT);
    const VImage mx = blur(x), my = blur(y);
    const VImage vx = blur(x * x) - mx * mx, vy = blur(y * y) - my * my, cxy = blur(x * y) - mx * my;
    const double c1 = std::pow(0.01 * 255, 2), c2 = std::pow(0.03 * 255, 2);
    return ((2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2))).avg();
}

int main(int argc, char** argv) {
    if (VIPS_INIT(argv[0])) return 1;
    if (argc < 3) {
        std::fprintf(stderr, "usage: quality SOURCE OUTPUT...\n");
        return 2;
    }
    for (int i = 2; i < argc; ++i) {
        const VImage out = VImage::new_from_file(argv[i]);
        const std::string loader = out.get_string("vips-loader");
        const VImage ref = VImage::thumbnail(argv[1], out.width(), VImage::option()
                                                                       ->set("height", out.height())
                                                                       ->set("size", VIPS_SIZE_FORCE));
        const VImage a = rgb(ref), b = rgb(out);
        std::printf("%.2f %.4f %dx%d %s\n", psnr(a, b), ssim(a, b), out.width(), out.height(), loader.c_str());
    }
    return 0;
}
