// Orientation wherever the accepted containers carry it: EXIF in JPEG, WebP, TIFF and a PNG eXIf
// chunk (before or after the image data), and XMP's tiff:Orientation in PNG, WebP and TIFF. Each
// file stores the picture turned as a camera would; the service must hand back the upright one,
// from the full decode and from the shrink-on-load path, and report upright sizes.
#include "e2e/harness.h"
#include "e2e/tiny_bombs.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <functional>

namespace imgpipe::e2e {
namespace {

using vips::VImage;

// The eight ways of storing a picture (identity, rotations, flips, transposes).
const std::vector<std::function<VImage(const VImage&)>>& dihedral() {
    static const std::vector<std::function<VImage(const VImage&)>> ops{
        [](const VImage& i) { return i; },
        [](const VImage& i) { return i.rot90(); },
        [](const VImage& i) { return i.rot180(); },
        [](const VImage& i) { return i.rot270(); },
        [](const VImage& i) { return i.fliphor(); },
        [](const VImage& i) { return i.flipver(); },
        [](const VImage& i) { return i.rot90().fliphor(); },
        [](const VImage& i) { return i.rot270().fliphor(); },
    };
    return ops;
}

bool same_pixels(const VImage& a, const VImage& b) {
    return a.width() == b.width() && a.height() == b.height() && (a - b).abs().max() == 0;
}

// How a camera stores `upright` when it writes `orientation`: the one of the eight that libvips'
// autorot turns back into `upright` (libvips' reading of EXIF is the reference here).
VImage stored_as(const VImage& upright, int orientation) {
    for (const auto& op : dihedral()) {
        VImage s = op(upright).copy();
        s.set(VIPS_META_ORIENTATION, orientation);
        if (same_pixels(s.autorot(), upright)) return op(upright);
    }
    throw std::runtime_error("no stored form for orientation " + std::to_string(orientation));
}

std::string exif_with(int orientation) {
    std::string e("MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\0\0\0\0\0\0\0", 26);
    e[19] = static_cast<char>(orientation); // the low byte of the SHORT value (big-endian)
    return e;
}

std::string xmp_with(int orientation) {
    return "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
           "<rdf:Description xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\" tiff:Orientation=\"" +
           std::to_string(orientation) + "\"/></rdf:RDF></x:xmpmeta>";
}

// A PNG of `stored` with `chunk` placed right after IHDR (before the image data) or before IEND.
std::string png_with_chunk(const VImage& stored, const std::string& chunk, bool after_data) {
    std::string png = test::encode(stored, ".png");
    const size_t at = after_data ? png.size() - 12 : 8 + 25;
    return png.insert(at, chunk);
}

// libvips writes the XMP, and also an EXIF block saying orientation 1, which readers prefer: it
// is taken out, so that only the XMP tells (as from tools that write XMP alone).
std::string with_xmp(const VImage& stored, int orientation, const std::string& suffix) {
    VImage s = stored.copy();
    const std::string xmp = xmp_with(orientation);
    vips_image_set_blob_copy(s.get_image(), VIPS_META_XMP_NAME, xmp.data(), xmp.size());
    std::string file = test::encode(s, suffix);
    if (suffix.rfind(".webp", 0) == 0) {
        // Drop the EXIF chunk and its flag in VP8X; fix the RIFF size.
        for (size_t p = 12; p + 8 <= file.size();) {
            const uint32_t n = static_cast<uint8_t>(file[p + 4]) | static_cast<uint8_t>(file[p + 5]) << 8 |
                               static_cast<uint8_t>(file[p + 6]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(file[p + 7])) << 24;
            if (file.compare(p, 4, "EXIF") == 0) {
                file.erase(p, 8 + n + (n & 1));
                continue;
            }
            if (file.compare(p, 4, "VP8X") == 0) file[p + 8] = static_cast<char>(file[p + 8] & ~0x08);
            p += 8 + n + (n & 1);
        }
        const uint32_t riff = static_cast<uint32_t>(file.size() - 8);
        for (int i = 0; i < 4; ++i) file[4 + i] = static_cast<char>(riff >> (8 * i));
    } else {
        // TIFF: the Orientation tag (274, SHORT) becomes an unknown tag 275 that readers skip.
        const auto at = file.find(std::string("\x12\x01\x03\x00", 4));
        if (at == std::string::npos) throw std::runtime_error("no Orientation tag to take out");
        file[at] = '\x13';
    }
    return file;
}

std::string with_exif(const VImage& stored, int orientation, const std::string& suffix) {
    VImage s = stored.copy();
    s.set(VIPS_META_ORIENTATION, orientation);
    return test::encode(s, suffix);
}

struct Case {
    std::string name;
    std::function<std::string(const VImage& stored, int orientation)> make;
};

void expect_upright(const VImage& img, int width, int height, const std::string& where) {
    SCOPED_TRACE(where);
    ASSERT_EQ(img.width(), width);
    ASSERT_EQ(img.height(), height);
    EXPECT_EQ(test::colour_at(img, width / 4, height / 4), "red");
    EXPECT_EQ(test::colour_at(img, 3 * width / 4, height / 4), "green");
    EXPECT_EQ(test::colour_at(img, width / 4, 3 * height / 4), "blue");
    EXPECT_EQ(test::colour_at(img, 3 * width / 4, 3 * height / 4), "white");
}

TEST(Orientation, EveryContainerAndEveryOrientationComesOutUpright) {
    ServerProcess server;
    server.start();
    const std::vector<Case> cases{
        {"jpeg exif", [](const VImage& s, int o) { return with_exif(s, o, ".jpg[Q=95]"); }},
        {"webp exif", [](const VImage& s, int o) { return with_exif(s, o, ".webp[lossless]"); }},
        {"tiff exif", [](const VImage& s, int o) { return with_exif(s, o, ".tif"); }},
        {"png eXIf before the data",
         [](const VImage& s, int o) { return png_with_chunk(s, bombs::png_chunk("eXIf", exif_with(o)), false); }},
        {"png eXIf after the data",
         [](const VImage& s, int o) { return png_with_chunk(s, bombs::png_chunk("eXIf", exif_with(o)), true); }},
        {"png xmp",
         [](const VImage& s, int o) {
             return png_with_chunk(
                 s, bombs::png_chunk("iTXt", std::string("XML:com.adobe.xmp\0\0\0\0\0", 22) + xmp_with(o)), false);
         }},
        {"webp xmp", [](const VImage& s, int o) { return with_xmp(s, o, ".webp[lossless]"); }},
        {"tiff xmp", [](const VImage& s, int o) { return with_xmp(s, o, ".tif"); }},
    };
    const VImage upright = test::quadrants(96, 64);
    for (const auto& c : cases) {
        for (int o = 1; o <= 8; ++o) {
            SCOPED_TRACE(c.name + ", orientation " + std::to_string(o));
            const auto up = http_upload(server.url("/image/upload/"), {"file", c.make(stored_as(upright, o), o), "o"});
            ASSERT_EQ(up.status, 201) << up.body;
            EXPECT_EQ(up.json()["width"], 96);
            EXPECT_EQ(up.json()["height"], 64);
            const std::string id = up.json()["id"];
            expect_upright(test::decode(http_get(server.url("/bytes/" + id + "/convert:png/")).body), 96, 64, "full");
            expect_upright(test::decode(http_get(server.url("/bytes/" + id + "/scale:48x|convert:png/")).body), 48,
                           32, "shrunk on load");
        }
    }
    // A large one goes through the mipmap made at upload.
    const VImage big = test::quadrants(2400, 1600);
    const auto up = http_upload(server.url("/image/upload/"),
                                {"file", cases[5].make(stored_as(big, 6), 6), "big.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    expect_upright(test::decode(http_get(server.url("/bytes/" + id + "/scale:300x|convert:png/")).body), 300, 200,
                   "from the mipmap");
}

} // namespace
} // namespace imgpipe::e2e
