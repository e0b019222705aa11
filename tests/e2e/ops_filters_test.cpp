// End to end: blur, sharpen, grayscale, background, quality and the source-aware storage key.
// Pixel details are in tests/unit/core/ops/filters_test.cpp.
#include "e2e/ops_world.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

namespace imgpipe::e2e::ops {
namespace {

TEST(OpsFilters, AConvertToTheOriginalsFormatIsOneStoredObject) {
    const std::string id = upload_id(test::encode(test::photo_like(320, 240), ".jpg"), "p.jpg");
    const auto first = get("/image/" + id + "/rotate:10|convert:jpeg/");
    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(first.json()["id"], id + "/rotate:10");
    EXPECT_EQ(first.json()["content_type"], "image/jpeg");
    for (const std::string same : {"/rotate:10/", "/rotate:370|convert:JPG/", "/rotate:10/convert:jpeg/"}) {
        const auto again = get("/image/" + id + same);
        ASSERT_EQ(again.status, 200) << same << " " << again.body;
        EXPECT_EQ(again.json()["id"], id + "/rotate:10") << same;
    }
    // Another quality is another object, under the same rules (quality at the end).
    const auto q = get("/image/" + id + "/quality:80|rotate:10/convert:jpeg/");
    ASSERT_EQ(q.status, 201) << q.body;
    EXPECT_EQ(q.json()["id"], id + "/rotate:10|quality:80");
    EXPECT_EQ(server().stored_objects(id + "/rotate:10"), 2u) << "rotate:10 and the quality:80 variant";
    const auto bytes = get("/bytes/" + id + "/rotate:10%7Cconvert:jpeg");
    ASSERT_EQ(bytes.status, 200);
    EXPECT_EQ(bytes.header("content-type"), "image/jpeg");
    const auto img = test::decode(bytes.body);
    EXPECT_EQ(test::loader_of(img), "jpegload_buffer");
    EXPECT_EQ(img.width(), first.json()["width"].get<int>());
    // A convert to another format is kept.
    EXPECT_EQ(get("/image/" + id + "/rotate:10|convert:png/").json()["id"], id + "/rotate:10|convert:png");
}

TEST(OpsFilters, QualityEndToEnd) {
    const std::string jpeg_id = upload_id(test::encode(test::photo_like(320, 240), ".jpg[Q=95]"), "p.jpg");
    const auto low = get("/bytes/" + jpeg_id + "/quality:90|quality:10");
    const auto high = get("/bytes/" + jpeg_id + "/quality:90");
    ASSERT_EQ(low.status, 200) << low.body;
    ASSERT_EQ(high.status, 200) << high.body;
    EXPECT_EQ(test::decode(low.body).width(), 320);
    EXPECT_LT(low.body.size() * 2, high.body.size()) << low.body.size() << " vs " << high.body.size();
    EXPECT_EQ(get("/image/" + jpeg_id + "/quality:90|quality:10/").json()["id"], jpeg_id + "/quality:10");
    // A PNG original: no quality in the key, and the same bytes as without it.
    const std::string png_id = upload_id(test::encode(test::quadrants(120, 80), ".png"), "q.png");
    const auto png = get("/image/" + png_id + "/rotate:90|quality:10/");
    ASSERT_EQ(png.status, 201) << png.body;
    EXPECT_EQ(png.json()["id"], png_id + "/rotate:90");
    EXPECT_EQ(png.json()["content_type"], "image/png");
    EXPECT_EQ(get("/image/" + png_id + "/rotate:90/").status, 200);
    const auto img = test::decode(get("/bytes/" + png_id + "/rotate:90").body);
    EXPECT_EQ(test::loader_of(img), "pngload_buffer");
    EXPECT_EQ(img.width(), 80);
    EXPECT_EQ(test::colour_at(img, 10, 10), "green");
}

TEST(OpsFilters, FiltersAndBackgroundThroughTheServer) {
    const std::string id = upload_id(test::encode(test::quadrants(200, 100), ".png"), "q.png");
    const auto r = get("/bytes/" + id + "/background:00f|rotate:30|grayscale|blur:1|sharpen|convert:jpeg");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto img = test::decode(r.body);
    EXPECT_EQ(test::loader_of(img), "jpegload_buffer");
    ASSERT_EQ(img.bands(), 3);
    // Grey after the blue corners were filled: the corner is blue's grey (lightness 32), r = g = b
    // (JPEG noise aside); without the background it would be white.
    const auto corner = img.getpoint(2, 2);
    EXPECT_NEAR(corner[0], corner[2], 6);
    EXPECT_NEAR(corner[1], corner[2], 6);
    EXPECT_GT(corner[0], 50);
    EXPECT_LT(corner[0], 120);
    const auto plain = test::decode(get("/bytes/" + id + "/rotate:30|grayscale|convert:jpeg").body);
    EXPECT_GT(plain.getpoint(2, 2)[0], 240);
}

TEST(OpsFilters, BadArgumentsAre400JsonNamingTheOp) {
    const std::string id = upload_id(test::encode(test::quadrants(40, 40), ".png"), "q.png");
    for (const std::string bad : {"blur:0", "sharpen:abc", "grayscale:1", "background:red", "quality:101"}) {
        const auto r = get("/image/" + id + "/rotate:10|" + bad + "/");
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_EQ(r.json()["error"]["code"], "invalid_chain") << bad;
        EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("'" + bad + "'"), std::string::npos)
            << r.body;
    }
    EXPECT_EQ(server().stored_objects(id + "/rotate"), 0u);
}

} // namespace
} // namespace imgpipe::e2e::ops
