// The container checks must pass every sound file, whatever its encoder options: refusing a good
// image is a bug as much as decoding a lying one.
#include "core/config.h"
#include "core/errors.h"
#include "core/formats/precheck.h"
#include "core/formats/source_format.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace imgpipe {
namespace {

class SoundFiles : public ::testing::TestWithParam<const char*> {};

TEST_P(SoundFiles, PassTheContainerChecks) {
    const std::string suffix = GetParam();
    // Flat areas compress far (the ratio floors must not bite), noise does not.
    vips::VImage img = test::photo_like(700, 500);
    img = img.insert(vips::VImage::black(700, 250, vips::VImage::option()->set("bands", 3)), 0, 0);
    const std::string bytes = test::encode(img, suffix);
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("imgpipe-precheck-" + std::to_string(::getpid()))).string();
    test::write_file(path, bytes);
    const SourceFormat* format = sniff_source_format(bytes.substr(0, 64));
    ASSERT_NE(format, nullptr) << suffix;
    EXPECT_NO_THROW(precheck_container(path, *format, LimitsConfig{}.max_source_pixels)) << suffix;
    std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, SoundFiles,
    ::testing::Values(".jpg", ".jpg[interlace]", ".jpg[Q=5,subsample_mode=on]", ".png", ".png[interlace]",
                      ".png[compression=9]", ".png[palette]", ".png[bitdepth=1]", ".webp", ".webp[lossless]",
                      ".gif", ".tif", ".tif[compression=deflate]", ".tif[compression=lzw]",
                      ".tif[compression=jpeg]", ".tif[tile,compression=deflate]", ".tif[bigtiff]",
                      ".tif[compression=packbits]", ".tif[pyramid,compression=jpeg]", ".avif[effort=0]"),
    [](const auto& info) {
        std::string name = info.param;
        for (auto& c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        return name;
    });

TEST(Precheck, SolidImagesAtTheirBestCompressionPass) {
    // The floors assume the best ratio a codec has: a solid image must never fall below them.
    for (const char* suffix : {".png[compression=9]", ".gif", ".tif[compression=deflate]", ".tif[compression=lzw]",
                               ".jpg[interlace]", ".jpg"}) {
        const std::string bytes = test::encode(vips::VImage::black(4000, 3000), suffix);
        const std::string path = (std::filesystem::temp_directory_path() /
                                  ("imgpipe-precheck-solid-" + std::to_string(::getpid()))).string();
        test::write_file(path, bytes);
        const SourceFormat* format = sniff_source_format(bytes.substr(0, 64));
        ASSERT_NE(format, nullptr) << suffix;
        EXPECT_NO_THROW(precheck_container(path, *format, LimitsConfig{}.max_source_pixels))
            << suffix << " (" << bytes.size() << " bytes)";
        std::filesystem::remove(path);
    }
}

TEST(Precheck, JpegWithBytesBeforeAMarkerPassesAsInLibjpeg) {
    // libjpeg skips extraneous bytes before a marker with a warning and decodes the image; so do
    // the checks (across the 64 KB read window: 100 KB of padding).
    std::string jpeg = test::encode(test::photo_like(64, 48), ".jpg");
    jpeg.insert(2, std::string(100 * 1024, '\0'));
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("imgpipe-precheck-pad-" + std::to_string(::getpid()))).string();
    test::write_file(path, jpeg);
    EXPECT_NO_THROW(precheck_container(path, *sniff_source_format(jpeg.substr(0, 64)), 1'000'000));
    // ...and a segment that then claims more than the file holds is still caught.
    jpeg[100 * 1024 + 2 + 2] = '\xff';
    jpeg[100 * 1024 + 2 + 3] = '\xf0';
    jpeg.resize(100 * 1024 + 200);
    test::write_file(path, jpeg);
    EXPECT_THROW(precheck_container(path, *sniff_source_format(jpeg.substr(0, 64)), 1'000'000), Error);
    std::filesystem::remove(path);
}

TEST(SourceFormat, HeifIsRecognisedByAnyOfItsBrands) {
    auto ftyp = [](const std::string& major, const std::string& compatible) {
        const std::string payload = major + std::string(4, '\0') + compatible;
        std::string box(4, '\0');
        box[3] = static_cast<char>(8 + payload.size());
        return box + "ftyp" + payload;
    };
    EXPECT_NE(sniff_source_format(ftyp("heic", "mif1")), nullptr);
    EXPECT_NE(sniff_source_format(ftyp("msf1", "msf1hevc")), nullptr);
    EXPECT_NE(sniff_source_format(ftyp("isom", "isomavif")), nullptr);
    EXPECT_EQ(sniff_source_format(ftyp("isom", "isommp41")), nullptr) << "an MP4 video is not an image";
    EXPECT_EQ(sniff_source_format(ftyp("qt  ", "qt  ")), nullptr);
}

} // namespace
} // namespace imgpipe
