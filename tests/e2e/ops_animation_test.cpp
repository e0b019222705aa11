// Animated GIFs through the API: every frame and its timing survive a transform and a conversion to
// WebP; an animation over the frame limit is refused at upload with 413 JSON.
#include "e2e/ops_world.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

namespace imgpipe::e2e {
namespace {

using vips::VImage;

// Frame i is solid red, green, blue, white, ... with delay 50 + 10 i ms; loop 2.
std::string animated_gif(int w, int h, int frames) {
    const std::vector<std::vector<double>> colours{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
    std::vector<VImage> pages;
    std::vector<int> delays;
    for (int i = 0; i < frames; ++i) {
        pages.push_back(VImage::black(w, h).new_from_image(colours[static_cast<size_t>(i) % 4]).cast(VIPS_FORMAT_UCHAR));
        delays.push_back(50 + 10 * i);
    }
    VImage strip = VImage::arrayjoin(pages, VImage::option()->set("across", 1))
                       .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    strip.set(VIPS_META_PAGE_HEIGHT, h);
    strip.set("delay", delays);
    strip.set("loop", 2);
    return test::encode(strip, ".gif");
}

TEST(OpsAnimation, ScaledToWebpKeepsEveryFrameInOrderWithItsDelays) {
    const std::string id = ops::upload_id(animated_gif(64, 48, 4), "a.gif");
    const auto r = ops::get("/bytes/" + id + "/scale:32x|convert:webp");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "image/webp");
    const VImage img = VImage::new_from_buffer(r.body.data(), r.body.size(), "", VImage::option()->set("n", -1));
    ASSERT_EQ(img.get_int(VIPS_META_N_PAGES), 4);
    ASSERT_EQ(img.get_int(VIPS_META_PAGE_HEIGHT), 24);
    EXPECT_EQ(img.width(), 32);
    const std::vector<std::string> names{"red", "green", "blue", "white"};
    for (int i = 0; i < 4; ++i) EXPECT_EQ(test::colour_at(img, 16, i * 24 + 12), names[static_cast<size_t>(i)]) << i;
    EXPECT_EQ(img.get_array_int("delay"), (std::vector<int>{50, 60, 70, 80}));
    EXPECT_EQ(img.get_int("loop"), 2);
}

TEST(OpsAnimation, ConvertedToPngKeepsTheFirstFrame) {
    const std::string id = ops::upload_id(animated_gif(64, 48, 3), "a.gif");
    const auto r = ops::get("/bytes/" + id + "/convert:png");
    ASSERT_EQ(r.status, 200) << r.body;
    const VImage img = test::decode(r.body);
    EXPECT_EQ(img.width(), 64);
    EXPECT_EQ(img.height(), 48);
    EXPECT_EQ(test::colour_at(img, 32, 24), "red");
}

TEST(OpsAnimation, OverTheFrameLimitIsRefusedAtUploadWith413Json) {
    auto& server = ops::server_with({"--max-frames", "5"});
    const auto ok = http_upload(server.url("/image/upload/"), {"file", animated_gif(16, 16, 5), "a.gif"});
    EXPECT_EQ(ok.status, 201) << ok.body;
    const auto r = http_upload(server.url("/image/upload/"), {"file", animated_gif(16, 16, 6), "a.gif"});
    ASSERT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "image_too_large") << r.body;
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("6 frames"), std::string::npos) << r.body;
}

} // namespace
} // namespace imgpipe::e2e
