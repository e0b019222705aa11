// Animated GIF and WebP sources through the planner and the executor: every frame through every op,
// in order, with its timing; one frame for formats that cannot animate; the limits.
#include "core/errors.h"
#include "core/ops/parse.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/load.h"
#include "core/pipeline/plan.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace imgpipe {
namespace {

using vips::VImage;
namespace fs = std::filesystem;

// Frame i is solid kColours[i % 4] with a black 1/4 x 1/4 square in its top-left corner, so that
// the order of the frames and the direction of a rotation both show.
const std::vector<std::vector<double>> kColours{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
const std::vector<std::string> kNames{"red", "green", "blue", "white"};

VImage strip(int w, int h, int frames) {
    std::vector<VImage> pages;
    for (int i = 0; i < frames; ++i) {
        VImage frame = VImage::black(w, h).new_from_image(kColours[static_cast<size_t>(i) % 4]);
        frame = frame.insert(VImage::black(w / 4, h / 4).new_from_image({0, 0, 0}), 0, 0);
        pages.push_back(frame.cast(VIPS_FORMAT_UCHAR));
    }
    VImage out = VImage::arrayjoin(pages, VImage::option()->set("across", 1))
                     .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    out.set(VIPS_META_PAGE_HEIGHT, h);
    std::vector<int> delays;
    for (int i = 0; i < frames; ++i) delays.push_back(40 + 10 * i);
    out.set("delay", delays);
    out.set("loop", 3);
    return out;
}

// An animated file on disk (execute and probe_image take a path), removed with the fixture.
class Animation : public ::testing::Test {
protected:
    std::string file(const std::string& bytes, const std::string& suffix) {
        const fs::path p = fs::temp_directory_path() /
                           ("imgpipe-anim-" + std::to_string(getpid()) + "-" + std::to_string(files_.size()) + suffix);
        test::write_file(p.string(), bytes);
        files_.push_back(p);
        return p.string();
    }
    void TearDown() override {
        for (const auto& p : files_) fs::remove(p);
    }

    // Plans and runs `chain` on the file the way ImageService::transform does.
    Encoded run(const std::string& path, std::string_view chain, const LimitsConfig& limits = {}) {
        const Plan plan = make_plan(parse_chain({chain}, 16), probe_image(path, limits), limits);
        return execute(path, plan, OutputConfig{},
                       std::chrono::steady_clock::now() + std::chrono::seconds(30));
    }

    static VImage all_frames(const std::string& bytes) {
        return VImage::new_from_buffer(bytes.data(), bytes.size(), "", VImage::option()->set("n", -1));
    }

    // Frames, their size, their colours in order (with the black corner where `corner` says),
    // their delays and the loop count.
    static void expect_frames(const std::string& bytes, int frames, int w, int h, bool corner_top_left) {
        const VImage img = all_frames(bytes);
        ASSERT_EQ(img.get_int(VIPS_META_N_PAGES), frames);
        ASSERT_EQ(img.get_int(VIPS_META_PAGE_HEIGHT), h);
        ASSERT_EQ(img.width(), w);
        ASSERT_EQ(img.height(), h * frames);
        for (int i = 0; i < frames; ++i) {
            SCOPED_TRACE("frame " + std::to_string(i));
            const int top = i * h;
            EXPECT_EQ(test::colour_at(img, w - 2, top + h - 2), kNames[static_cast<size_t>(i) % 4]);
            EXPECT_EQ(test::colour_at(img, 1, top + 1), corner_top_left ? "black" : kNames[static_cast<size_t>(i) % 4]);
            EXPECT_EQ(test::colour_at(img, 1, top + h - 2), corner_top_left ? kNames[static_cast<size_t>(i) % 4] : "black");
        }
        const std::vector<int> delays = img.get_array_int("delay");
        ASSERT_EQ(delays.size(), static_cast<size_t>(frames));
        for (int i = 0; i < frames; ++i) EXPECT_EQ(delays[static_cast<size_t>(i)], 40 + 10 * i) << "frame " << i;
        EXPECT_EQ(img.get_int("loop"), 3);
    }

private:
    std::vector<fs::path> files_;
};

TEST_F(Animation, ProbeCountsTheFramesAndReportsOneFrameSize) {
    const SourceInfo gif = probe_image(file(test::encode(strip(40, 30, 5), ".gif"), ".gif"), {});
    EXPECT_EQ(gif.frames, 5);
    EXPECT_EQ(gif.width, 40);
    EXPECT_EQ(gif.height, 30);
    const SourceInfo webp = probe_image(file(test::encode(strip(40, 30, 3), ".webp[lossless]"), ".webp"), {});
    EXPECT_EQ(webp.frames, 3);
    EXPECT_EQ(webp.mime, "image/webp");
    const SourceInfo still = probe_image(file(test::encode(strip(40, 30, 1), ".gif"), ".gif"), {});
    EXPECT_EQ(still.frames, 1);
}

TEST_F(Animation, GifScaleKeepsEveryFrameItsDelaysAndLoop) {
    const std::string path = file(test::encode(strip(40, 32, 5), ".gif"), ".gif");
    const Encoded out = run(path, "scale:20x16");
    EXPECT_EQ(out.format, Format::gif);
    EXPECT_EQ(out.width, 20);
    EXPECT_EQ(out.height, 16);
    EXPECT_EQ(out.frames, 5);
    expect_frames(out.bytes, 5, 20, 16, true);
}

TEST_F(Animation, RotateTurnsEachFrame) {
    // rotate:90 is counter-clockwise: the top-left corner goes to the bottom-left.
    const std::string path = file(test::encode(strip(40, 32, 4), ".gif"), ".gif");
    const Encoded out = run(path, "rotate:90");
    EXPECT_EQ(out.width, 32);
    EXPECT_EQ(out.height, 40);
    expect_frames(out.bytes, 4, 32, 40, false);
}

TEST_F(Animation, AnArbitraryRotationThenScaleKeepsTheFramesApart) {
    // rotate renders into memory before the scale reads it: per frame, never across frames.
    const std::string path = file(test::encode(strip(40, 40, 4), ".gif"), ".gif");
    const Encoded out = run(path, "rotate:10|scale:24x24");
    const VImage img = all_frames(out.bytes);
    ASSERT_EQ(img.get_int(VIPS_META_N_PAGES), 4);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(test::colour_at(img, 12, i * 24 + 12), kNames[static_cast<size_t>(i)]) << "frame " << i;
    }
}

TEST_F(Animation, GifToWebpAndBackKeepFramesAndTiming) {
    const std::string gif = file(test::encode(strip(40, 32, 4), ".gif"), ".gif");
    const Encoded webp = run(gif, "scale:20x16|convert:webp");
    EXPECT_EQ(webp.format, Format::webp);
    EXPECT_EQ(test::loader_of(test::decode(webp.bytes)), "webpload_buffer");
    expect_frames(webp.bytes, 4, 20, 16, true);

    const std::string webp_file = file(test::encode(strip(40, 32, 4), ".webp[lossless]"), ".webp");
    const Encoded back = run(webp_file, "rotate:180|convert:gif");
    EXPECT_EQ(test::loader_of(test::decode(back.bytes)), "gifload_buffer");
    // Turned by 180: the black corner is bottom-right; check the colours and timing.
    const VImage img = all_frames(back.bytes);
    ASSERT_EQ(img.get_int(VIPS_META_N_PAGES), 4);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(test::colour_at(img, 38, i * 32 + 30), "black") << "frame " << i;
        EXPECT_EQ(test::colour_at(img, 1, i * 32 + 1), kNames[static_cast<size_t>(i)]) << "frame " << i;
    }
    EXPECT_EQ(img.get_array_int("delay"), (std::vector<int>{40, 50, 60, 70}));
    EXPECT_EQ(img.get_int("loop"), 3);
}

TEST_F(Animation, CropAndFitRunOnEveryFrame) {
    // crop:20x16:northwest keeps each frame's black corner quadrant and its colour beside it; a
    // cover fit then makes 10x10 of it; a flip mirrors each frame, not the strip.
    const std::string gif = file(test::encode(strip(40, 32, 4), ".gif"), ".gif");
    const Encoded cropped = run(gif, "crop:0,0,20,16|convert:webp");
    EXPECT_EQ(cropped.frames, 4);
    expect_frames(cropped.bytes, 4, 20, 16, true);

    const Encoded fitted = run(gif, "fit:20x20:cover:west|flip:v|convert:gif");
    const VImage img = all_frames(fitted.bytes);
    ASSERT_EQ(img.get_int(VIPS_META_N_PAGES), 4);
    ASSERT_EQ(img.get_int(VIPS_META_PAGE_HEIGHT), 20);
    EXPECT_EQ(img.width(), 20);
    for (int i = 0; i < 4; ++i) {
        SCOPED_TRACE("frame " + std::to_string(i));
        EXPECT_EQ(test::colour_at(img, 2, i * 20 + 18), "black") << "the corner, flipped to the bottom";
        EXPECT_EQ(test::colour_at(img, 17, i * 20 + 2), kNames[static_cast<size_t>(i)]);
    }
    EXPECT_EQ(img.get_array_int("delay"), (std::vector<int>{40, 50, 60, 70}));
    EXPECT_EQ(img.get_int("loop"), 3);
}

TEST_F(Animation, FormatsThatCannotAnimateKeepTheFirstFrame) {
    const std::string path = file(test::encode(strip(40, 32, 4), ".gif"), ".gif");
    for (const char* chain : {"convert:png", "scale:20x16|convert:png", "convert:jpeg"}) {
        SCOPED_TRACE(chain);
        const Encoded out = run(path, chain);
        EXPECT_EQ(out.frames, 1);
        const VImage img = all_frames(out.bytes);
        EXPECT_EQ(img.get_typeof(VIPS_META_N_PAGES) == 0 ? 1 : img.get_int(VIPS_META_N_PAGES), 1);
        EXPECT_EQ(img.height(), out.height) << "one frame, not the strip";
        EXPECT_EQ(test::colour_at(img, img.width() - 2, img.height() - 2), "red");
        EXPECT_EQ(test::colour_at(img, 1, 1), "black");
    }
}

TEST_F(Animation, AnimatedSourcesNeverShrinkOnLoad) {
    SourceInfo source{"image/gif", Format::gif, 2000, 2000, 1, 3};
    const Plan animated = make_plan(parse_chain({"scale:100x100"}, 16), source, {});
    EXPECT_FALSE(animated.shrink_on_load);
    EXPECT_EQ(animated.frames, 3);
    const Plan first = make_plan(parse_chain({"scale:100x100|convert:png"}, 16), source, {});
    EXPECT_FALSE(first.shrink_on_load);
    EXPECT_EQ(first.frames, 1);
    source.frames = 1;
    EXPECT_TRUE(make_plan(parse_chain({"scale:100x100"}, 16), source, {}).shrink_on_load);
}

TEST_F(Animation, TooManyFramesIsRefusedBeforeDecoding) {
    const std::string path = file(test::encode(strip(8, 8, 12), ".gif"), ".gif");
    LimitsConfig limits;
    limits.max_frames = 11;
    try {
        probe_image(path, limits);
        FAIL() << "12 frames accepted with max_frames 11";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::image_too_large);
        EXPECT_NE(std::string(e.what()).find("12 frames"), std::string::npos) << e.what();
    }
    limits.max_frames = 12;
    EXPECT_EQ(probe_image(path, limits).frames, 12);
}

TEST_F(Animation, TooManyPixelsOverAllFramesIsRefused) {
    const std::string path = file(test::encode(strip(40, 30, 10), ".gif"), ".gif");
    LimitsConfig limits;
    limits.max_animation_pixels = 40 * 30 * 10 - 1;
    try {
        probe_image(path, limits);
        FAIL() << "accepted over max_animation_pixels";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::image_too_large);
    }
    limits.max_animation_pixels = 40 * 30 * 10;
    EXPECT_EQ(probe_image(path, limits).frames, 10);
    // Within the limit as a source, but a chain that doubles each frame is not.
    try {
        run(path, "scale:80x60", limits);
        FAIL() << "a step over max_animation_pixels was planned";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::output_too_large);
        EXPECT_NE(std::string(e.what()).find("10 frames of 80x60"), std::string::npos) << e.what();
    }
    // The same chain to a format that keeps one frame is fine.
    EXPECT_EQ(run(path, "scale:80x60|convert:png", limits).height, 60);
}

TEST_F(Animation, UploadCheckDecodesEveryFrame) {
    // Noise frames (their LZW data is long) with bytes of a late frame overwritten: the first frame
    // alone decodes.
    std::vector<VImage> pages;
    // Seeded: with random noise, now and then the overwritten bytes still decoded (1 run in 3).
    auto noise_band = [](int seed) { return VImage::gaussnoise(40, 30, VImage::option()->set("seed", seed)); };
    for (int i = 0; i < 6; ++i) {
        pages.push_back(noise_band(3 * i).bandjoin({noise_band(3 * i + 1), noise_band(3 * i + 2)}).cast(VIPS_FORMAT_UCHAR));
    }
    VImage noise = VImage::arrayjoin(pages, VImage::option()->set("across", 1))
                       .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
    noise.set(VIPS_META_PAGE_HEIGHT, 30);
    const std::string whole = test::encode(noise, ".gif");
    std::string broken = whole;
    for (size_t k = whole.size() * 8 / 10; k < whole.size() * 8 / 10 + 40; ++k) broken[k] = '\xff';
    const std::string path = file(broken, ".gif");
    const int frames = probe_image(path, {}).frames;
    ASSERT_EQ(frames, 6);
    EXPECT_NO_THROW(verify_decodable(path, 1)) << "the first frame is intact";
    try {
        verify_decodable(path, frames);
        FAIL() << "a broken frame passed";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::undecodable);
    }
    EXPECT_NO_THROW(verify_decodable(file(whole, ".gif"), 6));
}

} // namespace
} // namespace imgpipe
