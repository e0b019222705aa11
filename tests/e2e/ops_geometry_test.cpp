// crop, fit and flip over HTTP: the chain reaches the ops through the API, the planner and the
// encoder. Pixel-exact checks of each op are in unit_tests (geometry_test.cpp).
#include "e2e/ops_world.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <string>

namespace imgpipe::e2e {
namespace {

using test::colour_at;

// One 400x200 quadrants PNG for the whole file (red, green / blue, white; edges at 200, 100).
const std::string& quadrants_id() {
    static const std::string id = ops::upload_id(test::encode(test::quadrants(400, 200), ".png"));
    return id;
}

vips::VImage get_image(const std::string& chain) {
    const auto r = ops::get("/bytes/" + quadrants_id() + "/" + chain);
    EXPECT_EQ(r.status, 200) << chain << ": " << r.body;
    if (r.status != 200) return vips::VImage::black(1, 1);
    return test::decode(r.body);
}

TEST(OpsGeometry, CropRegionAndGravity) {
    const auto region = get_image("crop:180,90,40,20");
    EXPECT_EQ(test::loader_of(region), "pngload_buffer");
    ASSERT_EQ(region.width(), 40);
    ASSERT_EQ(region.height(), 20);
    EXPECT_EQ(colour_at(region, 0, 0), "red");
    EXPECT_EQ(colour_at(region, 39, 0), "green");
    EXPECT_EQ(colour_at(region, 0, 19), "blue");
    EXPECT_EQ(colour_at(region, 39, 19), "white");

    const auto se = get_image("crop:100x50:southeast|convert:jpeg");
    EXPECT_EQ(test::loader_of(se), "jpegload_buffer");
    ASSERT_EQ(se.width(), 100);
    ASSERT_EQ(se.height(), 50);
    EXPECT_EQ(colour_at(se, 5, 5), "white");
}

TEST(OpsGeometry, FitAndFlip) {
    // 400x200 inside 100x100: 100x50; flipped left-right, green comes to the top-left.
    const auto inside = get_image("flip:h|fit:100x100");
    ASSERT_EQ(inside.width(), 100);
    ASSERT_EQ(inside.height(), 50);
    EXPECT_EQ(colour_at(inside, 10, 10), "green");
    EXPECT_EQ(colour_at(inside, 90, 40), "blue");

    // contain: padded to the box, transparent above and below the picture (rows 25..74).
    const auto contain = get_image("fit:100x100:contain|flip:v");
    ASSERT_EQ(contain.width(), 100);
    ASSERT_EQ(contain.height(), 100);
    ASSERT_EQ(contain.bands(), 4);
    EXPECT_EQ(contain.getpoint(50, 5)[3], 0);
    EXPECT_EQ(colour_at(contain, 10, 30), "blue"); // upside-down: blue on top
    EXPECT_EQ(contain.getpoint(50, 95)[3], 0);

    const auto cover = get_image("fit:50x100:cover:east");
    ASSERT_EQ(cover.width(), 50);
    ASSERT_EQ(cover.height(), 100);
    EXPECT_EQ(colour_at(cover, 25, 10), "green");
    EXPECT_EQ(colour_at(cover, 25, 90), "white");
}

TEST(OpsGeometry, BadCropsAre400JsonNamingTheOp) {
    for (const std::string chain : {"crop:500,0,10,10", "crop:10x10:up", "fit:10x10:sideways", "flip:z"}) {
        const auto r = ops::get("/bytes/" + quadrants_id() + "/" + chain);
        EXPECT_EQ(r.status, 400) << chain << ": " << r.body;
        EXPECT_EQ(r.header("content-type"), "application/json") << chain;
        const auto j = r.json();
        ASSERT_TRUE(j.contains("error")) << r.body;
        EXPECT_EQ(j["error"]["code"], "invalid_chain") << r.body;
        const std::string message = j["error"]["message"];
        EXPECT_NE(message.find(chain), std::string::npos) << message;
    }
    const auto r = ops::get("/bytes/" + quadrants_id() + "/crop:500,0,10,10");
    EXPECT_NE(r.body.find("outside the 400x200 image"), std::string::npos) << r.body;
}

} // namespace
} // namespace imgpipe::e2e
