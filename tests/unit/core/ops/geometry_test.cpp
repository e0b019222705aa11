#include "core/errors.h"
#include "core/ops/crop.h"
#include "core/ops/fit.h"
#include "core/ops/flip.h"
#include "core/ops/parse.h"
#include "support/chains.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace imgpipe {
namespace {

using test::canon;
using test::colour_at;
using test::error_of;
using vips::VImage;

template <class T>
VImage apply_op(const T& op, const VImage& in, std::vector<double> background = {}) {
    ChainContext ctx;
    ctx.background = std::move(background);
    return op.apply(in, ctx);
}



// Colours at the four corners of `img`: top-left, top-right, bottom-left, bottom-right.
std::vector<std::string> corners(const VImage& img) {
    const int r = img.width() - 1, b = img.height() - 1;
    return {colour_at(img, 0, 0), colour_at(img, r, 0), colour_at(img, 0, b), colour_at(img, r, b)};
}

// Flat grey with one 40x40 high-detail patch (a 4-pixel checkerboard) at (left, top).
VImage grey_with_patch(int w, int h, int left, int top) {
    VImage xy = VImage::xyz(40, 40);
    VImage checker = ((xy[0] / 4).cast(VIPS_FORMAT_INT) + (xy[1] / 4).cast(VIPS_FORMAT_INT)) % 2 * 255;
    VImage patch = VImage::bandjoin({checker, checker, checker}).cast(VIPS_FORMAT_UCHAR);
    VImage grey = VImage::black(w, h, VImage::option()->set("bands", 3)).new_from_image({128, 128, 128});
    return grey.cast(VIPS_FORMAT_UCHAR)
        .insert(patch, left, top)
        .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB))
        .copy_memory();
}

// --- crop:<x>,<y>,<w>,<h>

TEST(Crop, RegionTakesExactlyThosePixels) {
    const auto src = test::quadrants(200, 100); // quadrant edges at x = 100, y = 50
    const Crop c = Crop::parse("90,40,20,20");
    EXPECT_EQ(c.output_size({200, 100}), (Size{20, 20}));
    const auto img = apply_op(c, src);
    ASSERT_EQ(img.width(), 20);
    ASSERT_EQ(img.height(), 20);
    EXPECT_EQ(corners(img), (std::vector<std::string>{"red", "green", "blue", "white"}));
    // The colour changes exactly at the 10th pixel: the region starts at (90, 40).
    EXPECT_EQ(colour_at(img, 9, 9), "red");
    EXPECT_EQ(colour_at(img, 10, 9), "green");
    EXPECT_EQ(colour_at(img, 9, 10), "blue");
    EXPECT_EQ(test::psnr(img, src.extract_area(90, 40, 20, 20)), std::numeric_limits<double>::infinity());
}

TEST(Crop, RegionIsClippedToTheImage) {
    const Crop c = Crop::parse("150,80,100,100");
    EXPECT_EQ(c.output_size({200, 100}), (Size{50, 20}));
    const auto img = apply_op(c, test::quadrants(200, 100));
    ASSERT_EQ(img.width(), 50);
    ASSERT_EQ(img.height(), 20);
    EXPECT_EQ(corners(img), (std::vector<std::string>(4, "white")));
}

TEST(Crop, RegionWhollyOutsideIsAnErrorNamingTheOpAndTheImage) {
    for (const char* args : {"200,0,10,10", "0,100,10,10", "5000,5000,1,1"}) {
        try {
            Crop::parse(args).output_size({200, 100});
            ADD_FAILURE() << "no error for " << args;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_chain);
            const std::string msg = e.what();
            EXPECT_NE(msg.find("crop:" + std::string(args)), std::string::npos) << msg;
            EXPECT_NE(msg.find("outside the 200x100 image"), std::string::npos) << msg;
        }
    }
    EXPECT_EQ(Crop::parse("199,99,10,10").output_size({200, 100}), (Size{1, 1})); // the last pixel
}

TEST(Crop, RescaledRegionScalesAndStaysInside) {
    const Crop c = Crop::parse("100,50,100,50").rescaled(0.5, 0.25);
    EXPECT_EQ(c.canonical(), "crop:50,13,50,12"); // edges 50..100 and 12.5..25 rounded
    // A region on the last pixels may round one pixel past the shrunk image: apply clamps it.
    const Crop edge = Crop::parse("199,99,1,1").rescaled(0.1, 0.1);
    const auto img = apply_op(edge, test::quadrants(20, 10));
    EXPECT_EQ(img.width(), 1);
    EXPECT_EQ(img.height(), 1);
    EXPECT_EQ(colour_at(img, 0, 0), "white");
    const Crop g = Crop::parse("100x50:smart").rescaled(0.5, 0.5);
    EXPECT_EQ(g.canonical(), "crop:50x25:smart");
}

// --- crop:<w>x<h>[:<gravity>]

TEST(Crop, EachGravityPlacesTheRegion) {
    const auto src = test::quadrants(200, 100);
    struct Case {
        const char* gravity;
        std::vector<std::string> corners; // top-left, top-right, bottom-left, bottom-right
    };
    const std::vector<Case> cases = {
        {"center", {"red", "green", "blue", "white"}}, {"north", {"red", "green", "red", "green"}},
        {"south", {"blue", "white", "blue", "white"}}, {"west", {"red", "red", "blue", "blue"}},
        {"east", {"green", "green", "white", "white"}}, {"northwest", {"red", "red", "red", "red"}},
        {"northeast", {"green", "green", "green", "green"}}, {"southwest", {"blue", "blue", "blue", "blue"}},
        {"southeast", {"white", "white", "white", "white"}},
    };
    for (const auto& c : cases) {
        const auto img = apply_op(Crop::parse(std::string("50x30:") + c.gravity), src);
        ASSERT_EQ(img.width(), 50) << c.gravity;
        ASSERT_EQ(img.height(), 30) << c.gravity;
        EXPECT_EQ(corners(img), c.corners) << c.gravity;
    }
    // Exact offsets: centered (75, 35), south-east (150, 70).
    const auto inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(test::psnr(apply_op(Crop::parse("50x30"), src), src.extract_area(75, 35, 50, 30)), inf);
    EXPECT_EQ(test::psnr(apply_op(Crop::parse("50x30:se"), src), src.extract_area(150, 70, 50, 30)), inf);
}

TEST(Crop, GravityRegionLargerThanTheImageIsClipped) {
    const Crop c = Crop::parse("500x50:south");
    EXPECT_EQ(c.output_size({200, 100}), (Size{200, 50}));
    const auto img = apply_op(c, test::quadrants(200, 100));
    ASSERT_EQ(img.width(), 200);
    ASSERT_EQ(img.height(), 50);
    EXPECT_EQ(corners(img), (std::vector<std::string>{"blue", "white", "blue", "white"}));
    EXPECT_EQ(Crop::parse("500x500").output_size({200, 100}), (Size{200, 100}));
}

TEST(Crop, SmartAndEntropyFindTheDetailedPatch) {
    // The patch sits in the bottom-right; a centered crop misses it (flat grey, no deviation).
    const auto src = grey_with_patch(400, 300, 330, 230);
    EXPECT_LT(apply_op(Crop::parse("100x100"), src).deviate(), 1.0);
    for (const char* g : {"smart", "entropy"}) {
        const auto img = apply_op(Crop::parse(std::string("100x100:") + g), src);
        ASSERT_EQ(img.width(), 100) << g;
        ASSERT_EQ(img.height(), 100) << g;
        // The whole patch is inside: as many black pixels as the patch has (half of 40x40).
        const double black = (img[0] == 0).ifthenelse(1, 0).avg() * 100 * 100;
        EXPECT_NEAR(black, 800, 1) << g;
    }
    // The chosen corner is read from smartcrop's offsets: an input that carries the offsets of an
    // earlier extract must give the same region as the same pixels without them.
    const auto part = apply_op(Crop::parse("100,100,300,200"), src);
    ASSERT_EQ(part.xoffset(), -100);
    const auto fresh = part.copy(VImage::option()->set("xoffset", 0)->set("yoffset", 0));
    for (const char* g : {"100x100:smart", "100x100:entropy"}) {
        const auto a = apply_op(Crop::parse(g), part);
        const auto b = apply_op(Crop::parse(g), fresh);
        EXPECT_EQ(test::psnr(a, b), std::numeric_limits<double>::infinity()) << g;
        EXPECT_GT(a.deviate(), 50.0) << g; // and it holds detail
    }
}

// --- flip

TEST(Flip, MirrorsLeftRightAndUpsideDown) {
    const auto src = test::quadrants(200, 100);
    const auto h = apply_op(Flip::parse("h"), src);
    EXPECT_EQ(corners(h), (std::vector<std::string>{"green", "red", "white", "blue"}));
    const auto v = apply_op(Flip::parse("v"), src);
    EXPECT_EQ(corners(v), (std::vector<std::string>{"blue", "white", "red", "green"}));
    EXPECT_EQ(h.width(), 200);
    EXPECT_EQ(v.height(), 100);
    // Exact pixel moves: the first column becomes the last.
    EXPECT_EQ(test::psnr(h.extract_area(199, 0, 1, 100), src.extract_area(0, 0, 1, 100)),
              std::numeric_limits<double>::infinity());
    EXPECT_EQ(test::psnr(apply_op(Flip::parse("v"), v), src), std::numeric_limits<double>::infinity());
}

// --- fit

TEST(Fit, InsideAndOutsideKeepTheAspectRoundingToTheNearestPixel) {
    EXPECT_EQ(Fit::parse("300x300").output_size({2560, 1600}), (Size{300, 188})); // 187.5
    EXPECT_EQ(Fit::parse("300x300:outside").output_size({2560, 1600}), (Size{480, 300}));
    EXPECT_EQ(Fit::parse("300x100").output_size({2560, 1600}), (Size{160, 100}));
    EXPECT_EQ(Fit::parse("300x100:outside").output_size({2560, 1600}), (Size{300, 188}));
    EXPECT_EQ(Fit::parse("10x10").output_size({10000, 1}), (Size{10, 1})); // never below 1 pixel
    const auto src = test::quadrants(256, 160);
    const auto in = apply_op(Fit::parse("30x30"), src);
    EXPECT_EQ(in.width(), 30);
    EXPECT_EQ(in.height(), 19); // 18.75
    EXPECT_EQ(corners(in), (std::vector<std::string>{"red", "green", "blue", "white"}));
    const auto out = apply_op(Fit::parse("30x30:outside"), src);
    EXPECT_EQ(out.width(), 48);
    EXPECT_EQ(out.height(), 30);
    EXPECT_EQ(corners(out), (std::vector<std::string>{"red", "green", "blue", "white"}));
}

TEST(Fit, CoverFillsTheBoxAndCropsByGravity) {
    const auto src = test::quadrants(256, 160); // resized to 48x30 to cover 10x30
    EXPECT_EQ(Fit::parse("10x30:cover").output_size({256, 160}), (Size{10, 30}));
    const auto west = apply_op(Fit::parse("10x30:cover:west"), src);
    ASSERT_EQ(west.width(), 10);
    ASSERT_EQ(west.height(), 30);
    EXPECT_EQ(corners(west), (std::vector<std::string>{"red", "red", "blue", "blue"}));
    const auto east = apply_op(Fit::parse("10x30:cover:east"), src);
    EXPECT_EQ(corners(east), (std::vector<std::string>{"green", "green", "white", "white"}));
    const auto centre = apply_op(Fit::parse("30x30:cover"), src); // 48x30, columns 9..38
    ASSERT_EQ(centre.width(), 30);
    EXPECT_EQ(corners(centre), (std::vector<std::string>{"red", "green", "blue", "white"}));
    // A smart cover keeps the detailed patch (bottom-right of the source).
    const auto smart = apply_op(Fit::parse("100x300:cover:smart"), grey_with_patch(400, 300, 330, 230));
    ASSERT_EQ(smart.width(), 100);
    EXPECT_GT(smart.extract_area(0, 200, 100, 100).deviate(), 50.0);
}

TEST(Fit, ContainPadsWithTransparencyByDefault) {
    const Fit f = Fit::parse("30x30:contain");
    EXPECT_EQ(f.output_size({256, 160}), (Size{30, 30}));
    const auto img = apply_op(f, test::quadrants(256, 160)); // 30x19 at rows 5..23
    ASSERT_EQ(img.width(), 30);
    ASSERT_EQ(img.height(), 30);
    ASSERT_EQ(img.bands(), 4);
    EXPECT_EQ(img.getpoint(15, 0)[3], 0);
    EXPECT_EQ(img.getpoint(15, 4)[3], 0);
    EXPECT_EQ(img.getpoint(15, 29)[3], 0);
    EXPECT_EQ(img.getpoint(0, 5)[3], 255);
    EXPECT_EQ(colour_at(img, 0, 5), "red");
    EXPECT_EQ(colour_at(img, 29, 5), "green");
    EXPECT_EQ(colour_at(img, 0, 23), "blue");
    EXPECT_EQ(img.getpoint(0, 24)[3], 0);
}

TEST(Fit, ContainPadsWithTheChainBackgroundAndPlacesByGravity) {
    const auto src = test::quadrants(256, 160);
    const auto magenta = apply_op(Fit::parse("30x30:contain"), src, {255, 0, 255});
    ASSERT_EQ(magenta.bands(), 3); // an opaque background adds no alpha
    EXPECT_EQ(magenta.getpoint(15, 0), (std::vector<double>{255, 0, 255}));
    EXPECT_EQ(magenta.getpoint(15, 29), (std::vector<double>{255, 0, 255}));
    EXPECT_EQ(colour_at(magenta, 0, 5), "red");
    const auto half = apply_op(Fit::parse("30x30:contain"), src, {0, 0, 255, 128});
    ASSERT_EQ(half.bands(), 4);
    EXPECT_EQ(half.getpoint(15, 0), (std::vector<double>{0, 0, 255, 128}));
    const auto north = apply_op(Fit::parse("30x30:contain:north"), src);
    EXPECT_EQ(colour_at(north, 0, 0), "red");
    EXPECT_EQ(north.getpoint(15, 18)[3], 255);
    EXPECT_EQ(north.getpoint(15, 19)[3], 0);
    const auto west = apply_op(Fit::parse("30x10:contain:west"), src); // 16x10 at the left
    EXPECT_EQ(colour_at(west, 0, 0), "red");
    EXPECT_EQ(west.getpoint(16, 0)[3], 0);
}

// --- the grammar

TEST(GeometryParse, EquivalentSpellingsShareOneCanonicalForm) {
    EXPECT_EQ(canon("crop:100x50"), "crop:100x50");
    EXPECT_EQ(canon("crop:100x50:center"), "crop:100x50");
    EXPECT_EQ(canon("CROP:100X50:Centre"), "crop:100x50");
    EXPECT_EQ(canon("crop:100x50:ne"), "crop:100x50:northeast");
    EXPECT_EQ(canon("crop:100x50:attention"), "crop:100x50:smart");
    EXPECT_EQ(canon("crop:100x50:entropy"), "crop:100x50:entropy");
    EXPECT_EQ(canon("crop: 10,20,30,40 "), "crop:10,20,30,40");
    EXPECT_EQ(canon("fit:200x100:inside"), "fit:200x100");
    EXPECT_EQ(canon("fit:200x100:cover:center"), "fit:200x100:cover");
    EXPECT_EQ(canon("fit:200x100:contain:n"), "fit:200x100:contain:north");
    EXPECT_EQ(canon("fit:200x100:outside"), "fit:200x100:outside");
    EXPECT_EQ(canon("flip:horizontal|flip:V"), "flip:h|flip:v");
    EXPECT_EQ(canon("flip:h|flip:h"), "flip:h|flip:h"); // kept: not worth a rule
}

TEST(GeometryParse, BadArgumentsSayWhatIsWrong) {
    struct Case {
        const char* chain;
        const char* says;
    };
    const std::vector<Case> cases = {
        {"crop", "expects <x>,<y>,<width>,<height>"},
        {"crop:1,2,3", "expects <x>,<y>,<width>,<height>"},
        {"crop:1,2,3,4,5", "expects <x>,<y>,<width>,<height>"},
        {"crop:-1,0,10,10", "x and y of 0 or more"},
        {"crop:0,0,0,10", "positive whole-pixel width and height"},
        {"crop:0,0,10,1.5", "positive whole-pixel width and height"},
        {"crop:10x", "expects <x>,<y>,<width>,<height> or <width>x<height>"},
        {"crop:10x10:up", "unknown gravity 'up'"},
        {"fit:10", "expects <width>x<height>"},
        {"fit:0x10", "expects <width>x<height>"},
        {"fit:10x10:stretch", "unknown mode 'stretch'"},
        {"fit:10x10:inside:north", "gravity only with cover or contain"},
        {"fit:10x10:cover:middle", "unknown gravity 'middle'"},
        {"fit:10x10:contain:smart", "smart and entropy only go with cover"},
        {"flip:d", "expects h (left-right) or v (upside-down)"},
        {"flip", "expects h (left-right) or v (upside-down)"},
    };
    for (const auto& c : cases) {
        const std::string msg = error_of(c.chain);
        EXPECT_NE(msg.find("invalid op '" + std::string(c.chain) + "'"), std::string::npos) << msg;
        EXPECT_NE(msg.find(c.says), std::string::npos) << c.chain << ": " << msg;
    }
}

} // namespace
} // namespace imgpipe
