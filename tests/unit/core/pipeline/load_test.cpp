#include "core/errors.h"
#include "core/pipeline/load.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace imgpipe {
namespace {

using vips::VImage;

class LoadTest : public ::testing::Test {
protected:
    std::string file(const std::string& name, const std::string& bytes) {
        const auto p = dir_ / name;
        test::write_file(p.string(), bytes);
        return p.string();
    }
    ErrorCode probe_error(const std::string& path, LimitsConfig limits = {}) {
        try {
            probe_image(path, limits);
        } catch (const Error& e) {
            return e.code();
        }
        ADD_FAILURE() << "no error";
        return ErrorCode::internal;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_ = [] {
        auto d = std::filesystem::temp_directory_path() /
                 ("imgpipe-load-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
};

// The stored pixels for each EXIF orientation, such that a correct viewer shows `upright`.
VImage stored_for_orientation(const VImage& upright, int orientation) {
    switch (orientation) {
    case 2: return upright.fliphor();
    case 3: return upright.rot(VIPS_ANGLE_D180);
    case 4: return upright.flipver();
    case 5: return upright.rot(VIPS_ANGLE_D90).fliphor();  // transpose
    case 6: return upright.rot(VIPS_ANGLE_D270);
    case 7: return upright.rot(VIPS_ANGLE_D90).flipver();  // transverse
    case 8: return upright.rot(VIPS_ANGLE_D90);
    default: return upright;
    }
}

TEST_F(LoadTest, AllEightExifOrientationsComeOutUpright) {
    const VImage upright = test::quadrants(160, 80);
    for (int o = 1; o <= 8; ++o) {
        VImage stored = stored_for_orientation(upright, o).copy();
        stored.set(VIPS_META_ORIENTATION, o);
        const auto path = file("o" + std::to_string(o) + ".jpg", test::encode(stored, ".jpg[Q=95]"));
        const SourceInfo info = probe_image(path, {});
        EXPECT_EQ(info.orientation, o);
        EXPECT_EQ(info.width, 160) << "orientation " << o;
        EXPECT_EQ(info.height, 80) << "orientation " << o;
        // Shrink-on-load output is sequential: render it before sampling pixels.
        for (const VImage& img : {load_full(path), load_shrunk(path, 80, 40).copy_memory()}) {
            const int w = img.width(), h = img.height();
            EXPECT_EQ(w * 80, h * 160) << "orientation " << o;
            EXPECT_EQ(test::colour_at(img, w / 8, h / 8), "red") << "orientation " << o;
            EXPECT_EQ(test::colour_at(img, w - w / 8, h / 8), "green") << "orientation " << o;
            EXPECT_EQ(test::colour_at(img, w / 8, h - h / 8), "blue") << "orientation " << o;
        }
    }
}

TEST_F(LoadTest, ProbeNamesTheFormat) {
    const VImage img = test::quadrants(40, 20);
    struct Case { const char* suffix; const char* mime; Format out; };
    for (const Case c : {Case{".jpg", "image/jpeg", Format::jpeg}, Case{".png", "image/png", Format::png},
                         Case{".webp", "image/webp", Format::webp}, Case{".gif", "image/gif", Format::gif},
                         Case{".tif", "image/tiff", Format::tiff}, Case{".avif", "image/avif", Format::avif}}) {
        // The file name says nothing: formats are sniffed from the bytes.
        const auto path = file("noext", test::encode(img, c.suffix));
        const SourceInfo info = probe_image(path, {});
        EXPECT_EQ(info.mime, c.mime);
        EXPECT_EQ(info.default_output, c.out);
        EXPECT_EQ(info.width, 40);
        EXPECT_EQ(info.height, 20);
    }
}

TEST_F(LoadTest, PixelLimitIsCheckedBeforeDecoding) {
    const auto path = file("big.png", test::encode(test::quadrants(1000, 1000), ".png"));
    LimitsConfig limits;
    limits.max_source_pixels = 999'999;
    EXPECT_EQ(probe_error(path, limits), ErrorCode::image_too_large);
    limits.max_source_pixels = 1'000'000;
    EXPECT_NO_THROW(probe_image(path, limits));
}

TEST_F(LoadTest, RefusesNonImagesAndBlockedLoaders) {
    EXPECT_EQ(probe_error(file("text", "hello, this is not an image")), ErrorCode::unsupported_media);
    EXPECT_EQ(probe_error(file("svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>")),
              ErrorCode::unsupported_media);
    EXPECT_EQ(probe_error(file("pdf", "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")),
              ErrorCode::unsupported_media);
    EXPECT_EQ(probe_error(file("ppm", "P6\n2 2\n255\n" + std::string(12, 'x'))),
              ErrorCode::unsupported_media);
}

TEST_F(LoadTest, TruncatedDataIsUndecodable) {
    const std::string jpeg = test::encode(test::photo_like(300, 200), ".jpg");
    const auto path = file("cut.jpg", jpeg.substr(0, jpeg.size() / 2));
    EXPECT_NO_THROW(probe_image(path, {})); // the header is intact
    try {
        verify_decodable(path);
        FAIL() << "truncated JPEG accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::undecodable);
        EXPECT_EQ(std::string(e.what()).find(dir_.string()), std::string::npos) << "leaks a path";
    }
    const std::string png = test::encode(test::photo_like(300, 200), ".png");
    EXPECT_THROW(verify_decodable(file("cut.png", png.substr(0, png.size() - 100))), Error);
    EXPECT_NO_THROW(verify_decodable(file("ok.png", png)));
}

TEST_F(LoadTest, CmykAnd16BitBecome8BitSrgb) {
    const VImage rgb = test::quadrants(64, 64);
    const auto cmyk_path = file("cmyk.jpg", test::encode(rgb.colourspace(VIPS_INTERPRETATION_CMYK), ".jpg[Q=95]"));
    const VImage cmyk = load_full(cmyk_path);
    EXPECT_EQ(cmyk.bands(), 3);
    EXPECT_EQ(cmyk.interpretation(), VIPS_INTERPRETATION_sRGB);
    const auto p = cmyk.getpoint(8, 8);
    EXPECT_GT(p[0], 150); // red stays reddish
    EXPECT_LT(p[1], 100);

    const auto deep_path = file("deep.png", test::encode(rgb.colourspace(VIPS_INTERPRETATION_RGB16), ".png"));
    const VImage deep = load_full(deep_path);
    EXPECT_EQ(deep.format(), VIPS_FORMAT_UCHAR);
    EXPECT_EQ(test::colour_at(deep, 60, 60), "white");
    EXPECT_EQ(test::colour_at(deep, 60, 4), "green");
}

} // namespace
} // namespace imgpipe
