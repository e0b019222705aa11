#include "core/ops/convert.h"
#include "core/ops/rotate.h"
#include "core/ops/scale.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

using test::colour_at;

template <class T>
vips::VImage apply_op(const T& op, const vips::VImage& in) {
    ChainContext ctx;
    return op.apply(in, ctx);
}

TEST(Rotate, NinetyTurnsCounterClockwise) {
    const auto img = apply_op(Rotate::parse("90"), test::quadrants(200, 100));
    ASSERT_EQ(img.width(), 100);
    ASSERT_EQ(img.height(), 200);
    // Counter-clockwise: the top-right (green) corner comes to the top-left.
    EXPECT_EQ(colour_at(img, 10, 10), "green");
    EXPECT_EQ(colour_at(img, 90, 10), "white");
    EXPECT_EQ(colour_at(img, 10, 190), "red");
    EXPECT_EQ(colour_at(img, 90, 190), "blue");
}

TEST(Rotate, RightAnglesAreExact) {
    const auto src = test::quadrants(64, 32);
    const auto r180 = apply_op(Rotate::parse("180"), src);
    EXPECT_EQ(colour_at(r180, 0, 0), "white");
    const auto r270 = apply_op(Rotate::parse("270"), src);
    EXPECT_EQ(r270.width(), 32);
    EXPECT_EQ(colour_at(r270, 0, 0), "blue"); // clockwise 90: bottom-left to top-left
    const auto full = apply_op(Rotate::parse("90"), apply_op(Rotate::parse("270"), src));
    EXPECT_EQ(test::psnr(full, src), std::numeric_limits<double>::infinity());
}

TEST(Rotate, SmallPositiveAngleIsCounterClockwise) {
    // A wide white bar through the middle of a black image, turned by +20 degrees: its right end
    // rises (counter-clockwise) and its left end falls.
    vips::VImage bar = vips::VImage::black(360, 20, vips::VImage::option()->set("bands", 3))
                           .new_from_image(std::vector<double>{255, 255, 255})
                           .embed(20, 190, 400, 400)
                           .cast(VIPS_FORMAT_UCHAR)
                           .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    const auto img = apply_op(Rotate::parse("20"), bar);
    const int cx = img.width() / 2, cy = img.height() / 2;
    const int dx = 150, dy = static_cast<int>(std::round(150 * std::tan(20 * M_PI / 180)));
    EXPECT_EQ(colour_at(img, cx + dx, cy - dy), "white");
    EXPECT_EQ(colour_at(img, cx - dx, cy + dy), "white");
    EXPECT_NE(colour_at(img, cx + dx, cy + dy), "white");
}

TEST(Rotate, CanvasGrowsAndCornersAreTransparent) {
    const auto src = test::quadrants(200, 100);
    const Rotate r = Rotate::parse("30");
    const auto img = apply_op(r, src);
    const auto [w, h] = r.output_size({200, 100});
    EXPECT_NEAR(img.width(), w, 2);
    EXPECT_NEAR(img.height(), h, 2);
    EXPECT_GT(img.width(), 200);
    ASSERT_EQ(img.bands(), 4);
    EXPECT_EQ(img.getpoint(0, 0)[3], 0);                               // corner: transparent
    EXPECT_EQ(img.getpoint(img.width() / 2, img.height() / 2)[3], 255); // centre: opaque
    EXPECT_EQ(img.format(), VIPS_FORMAT_UCHAR);
}

TEST(Rotate, EdgesDoNotDarken) {
    // Premultiplied interpolation: pixels along the new edge keep the colour, only alpha fades.
    const auto white = vips::VImage::black(100, 100, vips::VImage::option()->set("bands", 3))
                           .new_from_image(std::vector<double>{255, 255, 255})
                           .cast(VIPS_FORMAT_UCHAR)
                           .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    const auto img = apply_op(Rotate::parse("45"), white);
    for (int x = 0; x < img.width(); ++x) {
        const auto p = img.getpoint(x, img.height() / 2);
        if (p[3] > 20) {
            EXPECT_GT(p[0], 240) << "x=" << x << " alpha=" << p[3];
        }
    }
}

TEST(Scale, ExactSizeChangesAspect) {
    const auto img = apply_op(Scale::parse("50x80"), test::quadrants(200, 100));
    EXPECT_EQ(img.width(), 50);
    EXPECT_EQ(img.height(), 80);
    EXPECT_EQ(colour_at(img, 5, 5), "red");
    EXPECT_EQ(colour_at(img, 45, 75), "white");
}

TEST(Scale, OneSideKeepsAspect) {
    EXPECT_EQ(Scale::parse("100x").output_size({400, 300}), (Size{100, 75}));
    EXPECT_EQ(Scale::parse("x100").output_size({400, 300}), (Size{133, 100}));
    EXPECT_EQ(Scale::parse("1x").output_size({4000, 10}), (Size{1, 1}));
    const auto img = apply_op(Scale::parse("x37"), test::photo_like(301, 203));
    EXPECT_EQ(img.height(), 37);
    EXPECT_EQ(img.width(), 55);
}

TEST(Scale, UpscaleWorks) {
    const auto img = apply_op(Scale::parse("640x480"), test::quadrants(64, 48));
    EXPECT_EQ(img.width(), 640);
    EXPECT_EQ(img.height(), 480);
    EXPECT_EQ(colour_at(img, 600, 20), "green");
}

TEST(Convert, FormatsWithoutAlphaFlattenOntoWhite) {
    const auto rotated = apply_op(Rotate::parse("45"), test::quadrants(100, 100));
    const auto jpeg = apply_op(Convert::parse("jpg"), rotated);
    EXPECT_EQ(jpeg.bands(), 3);
    EXPECT_EQ(colour_at(jpeg, 0, 0), "white");
    const auto png = apply_op(Convert::parse("png"), rotated);
    EXPECT_EQ(png.bands(), 4);
}

TEST(Convert, Aliases) {
    EXPECT_EQ(Convert::parse("JPG").format, Format::jpeg);
    EXPECT_EQ(Convert::parse("tif").format, Format::tiff);
    EXPECT_EQ(Convert::parse("avif").canonical(), "convert:avif");
}

} // namespace
} // namespace imgpipe
