// Pixel checks of blur, sharpen, grayscale, background and quality, on generated images.
#include "core/ops/background.h"
#include "core/ops/blur.h"
#include "core/ops/grayscale.h"
#include "core/ops/parse.h"
#include "core/ops/rotate.h"
#include "core/ops/sharpen.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/load.h"
#include "core/pipeline/plan.h"
#include "core/pipeline/save.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

namespace imgpipe {
namespace {

using vips::VImage;

template <class T>
VImage apply_op(const T& op, const VImage& in) {
    ChainContext ctx;
    return op.apply(in, ctx);
}

VImage srgb(const VImage& img) {
    return img.cast(VIPS_FORMAT_UCHAR).copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
}

// 200x100, grey `left` on the left half and `right` on the right half: one vertical edge at x=100.
VImage step(double left, double right) {
    const VImage l = VImage::black(100, 100, VImage::option()->set("bands", 3)).new_from_image({left, left, left});
    const VImage r = VImage::black(100, 100, VImage::option()->set("bands", 3)).new_from_image({right, right, right});
    return srgb(l.join(r, VIPS_DIRECTION_HORIZONTAL));
}

// The difference across the edge at x=100 (between x-1-d and x+d), on the green band of row 50.
double across_edge(const VImage& img, int d = 0) {
    return std::abs(img.getpoint(100 + d, 50)[1] - img.getpoint(99 - d, 50)[1]);
}

// The largest difference between any two bands' values anywhere in the first three bands.
double max_band_spread(const VImage& img) {
    const VImage r = img[0].cast(VIPS_FORMAT_INT), g = img[1].cast(VIPS_FORMAT_INT), b = img[2].cast(VIPS_FORMAT_INT);
    return std::max({(r - g).abs().max(), (g - b).abs().max(), (r - b).abs().max()});
}

// A file in the temp directory, unique to this process (other test runs share the directory).
std::string temp_file(const std::string& name, const std::string& bytes) {
    const auto p = std::filesystem::temp_directory_path() /
                   ("imgpipe-filters-" + std::to_string(::getpid()) + "-" + name);
    test::write_file(p.string(), bytes);
    return p.string();
}

// The chain run on the file as the server runs it (planned), decoded back; bytes in `encoded`.
VImage run_chain(const std::string& path, std::string_view chain, std::string* encoded = nullptr,
                 PlanMode mode = PlanMode::planned) {
    const Plan plan = make_plan(parse_chain({chain}, 16), probe_image(path, {}), {}, mode);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    const Encoded out = execute(path, plan, OutputConfig{}, deadline);
    if (encoded) *encoded = out.bytes;
    return test::decode(out.bytes);
}

TEST(Blur, LowersContrastAtAnEdgeAndKeepsFlatAreas) {
    const VImage src = step(0, 255);
    ASSERT_EQ(across_edge(src), 255);
    const VImage out = apply_op(Blur::parse("3"), src);
    ASSERT_EQ(out.width(), 200);
    ASSERT_EQ(out.bands(), 3);
    ASSERT_EQ(out.format(), VIPS_FORMAT_UCHAR);
    EXPECT_LT(across_edge(out), 60) << "a sigma-3 blur spreads the step over many pixels";
    EXPECT_GT(across_edge(out, 4), 100) << "but the edge is still there further out";
    // Far from the edge (over 4 sigma) the flat areas keep their value.
    EXPECT_EQ(out.getpoint(10, 50)[1], 0);
    EXPECT_EQ(out.getpoint(190, 50)[1], 255);
    EXPECT_EQ(out.getpoint(150, 5)[0], 255);
}

TEST(Blur, TransparentPixelsDoNotBleedTheirColour) {
    // Opaque red on the left; fully transparent green on the right.
    const VImage red = VImage::black(50, 20, VImage::option()->set("bands", 4)).new_from_image({255, 0, 0, 255});
    const VImage clear = VImage::black(50, 20, VImage::option()->set("bands", 4)).new_from_image({0, 255, 0, 0});
    const VImage out = apply_op(Blur::parse("2"), srgb(red.join(clear, VIPS_DIRECTION_HORIZONTAL)));
    ASSERT_EQ(out.bands(), 4);
    const auto p = out.getpoint(49, 10); // at the edge: half transparent, still red
    EXPECT_GT(p[3], 60);
    EXPECT_LT(p[3], 200);
    EXPECT_GT(p[0], 240);
    EXPECT_LT(p[1], 15);
}

TEST(Blur, TinyRescaledSigmaIsNearIdentity) {
    const VImage src = test::photo_like(64, 48);
    const Blur tiny = Blur::parse("0.5").rescaled(0.001, 0.001);
    EXPECT_NEAR(tiny.sigma, 0.0005, 1e-9);
    EXPECT_EQ(test::psnr(apply_op(tiny, src), src), std::numeric_limits<double>::infinity());
    // Small sigmas that libvips' mask still represents run and keep the image's shape.
    for (double sigma : {0.001, 0.01, 0.2, 0.7}) {
        const VImage out = apply_op(Blur{sigma}, src);
        EXPECT_EQ(out.width(), 64);
        EXPECT_EQ(out.bands(), 3);
        EXPECT_GT(test::psnr(out, src), 25) << sigma;
    }
    EXPECT_NEAR(Blur::parse("4").rescaled(0.25, 0.25).sigma, 1.0, 1e-12);
    EXPECT_NEAR(Blur::parse("4").rescaled(0.5, 0.125).sigma, 1.0, 1e-12); // geometric mean
}

TEST(Sharpen, RaisesContrastAtAnEdge) {
    // Mid-grey levels, so that the overshoot on both sides is not clipped at 0 or 255.
    const VImage src = step(80, 170);
    const VImage out = apply_op(Sharpen::parse(""), src);
    ASSERT_EQ(out.width(), 200);
    ASSERT_EQ(out.bands(), 3);
    ASSERT_EQ(out.format(), VIPS_FORMAT_UCHAR);
    EXPECT_GT(across_edge(out), across_edge(src) + 10);
    EXPECT_LT(out.getpoint(99, 50)[1], 80) << "the dark side darkens";
    EXPECT_GT(out.getpoint(100, 50)[1], 170) << "the light side lightens";
    // Flat areas far from the edge stay as they were.
    EXPECT_NEAR(out.getpoint(10, 50)[1], 80, 1);
    EXPECT_NEAR(out.getpoint(190, 50)[1], 170, 1);
    // It undoes some of a blur: the blurred edge gets steeper again.
    const VImage soft = apply_op(Blur::parse("1"), src);
    EXPECT_GT(across_edge(apply_op(Sharpen::parse("1"), soft)), across_edge(soft));
}

TEST(Sharpen, KeepsAlphaAndGrey) {
    const VImage rgba = srgb(test::photo_like(40, 30).bandjoin_const({128}));
    const VImage out = apply_op(Sharpen::parse("1.5"), rgba);
    ASSERT_EQ(out.bands(), 4);
    EXPECT_EQ(out[3].min(), 128);
    EXPECT_EQ(out[3].max(), 128);
    const VImage grey = test::photo_like(40, 30).colourspace(VIPS_INTERPRETATION_B_W);
    const VImage g = apply_op(Sharpen::parse("1"), grey);
    EXPECT_EQ(g.bands(), 1);
    EXPECT_EQ(g.format(), VIPS_FORMAT_UCHAR);
}

TEST(Grayscale, MakesRedGreenAndBlueEqualAndKeepsThreeBands) {
    const VImage out = apply_op(Grayscale{}, test::photo_like(120, 80));
    ASSERT_EQ(out.bands(), 3);
    ASSERT_EQ(out.format(), VIPS_FORMAT_UCHAR);
    EXPECT_EQ(out.interpretation(), VIPS_INTERPRETATION_sRGB);
    EXPECT_EQ(max_band_spread(out), 0);
    EXPECT_GT(out[0].deviate(), 10) << "the picture is still there, in grey";
    // Lightness order survives: white stays lighter than blue.
    const VImage q = apply_op(Grayscale{}, test::quadrants(100, 100));
    EXPECT_GT(q.getpoint(75, 75)[0], q.getpoint(25, 75)[0] + 100);
}

TEST(Grayscale, KeepsAlphaAndTurnsGreyInputIntoSrgb) {
    const VImage alpha = VImage::black(60, 40).new_from_image({77}).cast(VIPS_FORMAT_UCHAR);
    const VImage out = apply_op(Grayscale{}, srgb(test::photo_like(60, 40).bandjoin(alpha)));
    ASSERT_EQ(out.bands(), 4);
    EXPECT_EQ(max_band_spread(out), 0);
    EXPECT_EQ(out[3].min(), 77);
    EXPECT_EQ(out[3].max(), 77);
    const VImage grey = test::photo_like(60, 40).colourspace(VIPS_INTERPRETATION_B_W);
    ASSERT_EQ(grey.bands(), 1);
    const VImage g = apply_op(Grayscale{}, grey);
    EXPECT_EQ(g.bands(), 3);
    EXPECT_EQ(max_band_spread(g), 0);
}

TEST(Background, FillsTheCornersOfALaterRotation) {
    ChainContext ctx;
    VImage img = Background::parse("ff8800").apply(test::quadrants(200, 100), ctx);
    ASSERT_EQ(ctx.background, (std::vector<double>{255, 136, 0, 255}));
    img = Rotate::parse("30").apply(img, ctx);
    const auto corner = img.getpoint(0, 0);
    ASSERT_EQ(corner.size(), 4u);
    EXPECT_NEAR(corner[0], 255, 1);
    EXPECT_NEAR(corner[1], 136, 1);
    EXPECT_NEAR(corner[2], 0, 1);
    EXPECT_EQ(corner[3], 255);
    // A transparent background keeps the corners transparent (as without one).
    ChainContext clear;
    Background::parse("00000000").apply(img, clear);
    EXPECT_EQ(Rotate::parse("30").apply(test::quadrants(200, 100), clear).getpoint(0, 0)[3], 0);
}

TEST(Background, IsWhatTransparencyIsFlattenedOnto) {
    // Left half opaque red, right half transparent.
    const VImage red = VImage::black(40, 40, VImage::option()->set("bands", 4)).new_from_image({255, 0, 0, 255});
    const VImage clear = VImage::black(40, 40, VImage::option()->set("bands", 4)).new_from_image({0, 0, 0, 0});
    const std::string path = temp_file("alpha.png", test::encode(srgb(red.join(clear, VIPS_DIRECTION_HORIZONTAL)), ".png"));
    std::string bytes;
    const VImage jpeg = run_chain(path, "background:00f|convert:jpeg", &bytes);
    EXPECT_EQ(test::loader_of(jpeg), "jpegload_buffer");
    ASSERT_EQ(jpeg.bands(), 3);
    EXPECT_EQ(test::colour_at(jpeg, 60, 20), "blue");
    EXPECT_EQ(test::colour_at(jpeg, 10, 20), "red");
    // Without a background: white, as always.
    EXPECT_EQ(test::colour_at(run_chain(path, "convert:jpeg"), 60, 20), "white");
    // The last background before the flatten counts; a rotation's corners take it too.
    const VImage turned = run_chain(path, "background:00ff00|background:0000ff|rotate:30|convert:jpeg");
    EXPECT_EQ(test::colour_at(turned, 0, 0), "blue");
    std::filesystem::remove(path);
}

TEST(Quality, LowerQualityMakesSmallerLossyFiles) {
    const std::string path = temp_file("photo.jpg", test::encode(test::photo_like(320, 240), ".jpg[Q=95]"));
    std::string low, high, fallback;
    const VImage a = run_chain(path, "quality:20", &low);
    run_chain(path, "quality:95", &high);
    EXPECT_EQ(test::loader_of(a), "jpegload_buffer");
    EXPECT_EQ(a.width(), 320);
    EXPECT_LT(low.size() * 2, high.size()) << low.size() << " vs " << high.size();
    // The last one wins.
    run_chain(path, "quality:95|rotate:90|quality:20|rotate:270", &fallback);
    EXPECT_EQ(fallback.size(), low.size());
    std::string webp_low, webp_high;
    run_chain(path, "convert:webp|quality:10", &webp_low);
    run_chain(path, "quality:90|convert:webp", &webp_high);
    EXPECT_EQ(test::loader_of(test::decode(webp_low)), "webpload_buffer");
    EXPECT_LT(webp_low.size() * 2, webp_high.size()) << webp_low.size() << " vs " << webp_high.size();
    std::filesystem::remove(path);
}

TEST(Quality, ReachesThePlanAndIsIgnoredByLosslessEncoders) {
    const SourceInfo jpeg{"image/jpeg", Format::jpeg, 100, 100, 1};
    EXPECT_EQ(make_plan(parse_chain({"quality:30|rotate:90"}, 16), jpeg, {}).quality, 30);
    EXPECT_FALSE(make_plan(parse_chain({"rotate:90"}, 16), jpeg, {}).quality);
    // The encoder itself: a PNG (or GIF, TIFF) is byte-identical with or without a quality.
    const VImage img = test::photo_like(120, 90);
    for (Format f : {Format::png, Format::gif, Format::tiff}) {
        EXPECT_EQ(encode(img, f, OutputConfig{}, 5), encode(img, f, OutputConfig{})) << format_name(f);
    }
    EXPECT_LT(encode(img, Format::jpeg, OutputConfig{}, 5).size(), encode(img, Format::jpeg, OutputConfig{}).size());
    EXPECT_LT(encode(img, Format::avif, OutputConfig{}, 5).size(), encode(img, Format::avif, OutputConfig{}, 90).size());
}

} // namespace
} // namespace imgpipe
