// convert:auto (content negotiation), presets, presets-only and eager variants, end to end.
#include "e2e/ops_world.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

namespace imgpipe::e2e {
namespace {

const std::vector<std::string> kPresetFlags = {"--preset", "thumb=scale:64x|convert:png", "--eager", "thumb"};
const std::vector<std::string> kPresetsOnlyFlags = {"--preset", "thumb=scale:32x|convert:webp",
                                                    "--presets-only", "true"};

std::string upload_to(ServerProcess& s, const std::string& bytes, const std::string& filename) {
    const auto r = http_upload(s.url("/image/upload/"), {"file", bytes, filename});
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) throw std::runtime_error("upload failed: " + r.body);
    return r.json()["id"];
}

std::string png_source() { return test::encode(test::quadrants(80, 60), ".png"); }
std::string jpeg_source() { return test::encode(test::quadrants(80, 60), ".jpg"); }

struct Case {
    std::string accept; // "-" sends no Accept header at all
    std::string expect; // the concrete convert and the decoder of the answer
    std::string loader;
};

// GET /image/<id>/scale:40x|convert:auto/ and its /bytes/ with this Accept: the concrete chain in
// the id (canonical: a convert to the source's own format is no convert, so a PNG negotiated to
// PNG is stored as scale:40x), Vary: Accept on both, the bytes in the negotiated format.
void check(const std::string& id, const Case& c, const std::string& source = "") {
    SCOPED_TRACE("Accept: " + c.accept);
    const std::vector<std::string> headers = {c.accept == "-" ? "Accept:" : "Accept: " + c.accept};
    const auto meta = ops::get("/image/" + id + "/scale:40x%7Cconvert:auto/", headers);
    ASSERT_TRUE(meta.status == 200 || meta.status == 201) << meta.status << " " << meta.body;
    EXPECT_EQ(meta.header("vary"), "Accept");
    EXPECT_EQ(meta.json()["id"], id + "/scale:40x" + (c.expect == source ? "" : "|convert:" + c.expect));
    const auto bytes = ops::get("/bytes/" + id + "/scale:40x%7Cconvert:auto", headers);
    ASSERT_EQ(bytes.status, 200) << bytes.body;
    EXPECT_EQ(bytes.header("vary"), "Accept");
    const vips::VImage img = test::decode(bytes.body);
    EXPECT_EQ(test::loader_of(img), c.loader);
    EXPECT_EQ(img.width(), 40);
    EXPECT_EQ(test::colour_at(img, 5, 5), "red");
}

TEST(OpsNegotiation, AcceptMatrixPicksTheFormatAndSaysVary) {
    const std::string png = ops::upload_id(png_source(), "q.png");
    const std::string jpeg = ops::upload_id(jpeg_source(), "q.jpg");
    const std::string chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
    const std::string safari =
        "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,"
        "image/svg+xml,image/*;q=0.8,*/*;q=0.5";
    for (const Case& c : std::vector<Case>{
             {chrome, "avif", "heifload_buffer"},
             {"image/avif,image/webp,*/*", "avif", "heifload_buffer"}, // Firefox
             {safari, "avif", "heifload_buffer"},
             {"image/avif;q=0,image/webp,*/*", "webp", "webpload_buffer"},
             {"*/*", "png", "pngload_buffer"}, // curl: a PNG may be transparent
             {"-", "png", "pngload_buffer"},
         }) {
        check(png, c, "png");
    }
    check(jpeg, {"*/*", "jpeg", "jpegload_buffer"}, "jpeg"); // a JPEG never is
    check(jpeg, {"image/avif;q=0,image/webp;q=0", "jpeg", "jpegload_buffer"}, "jpeg");
    check(jpeg, {"image/webp", "webp", "webpload_buffer"}, "jpeg");

    // The negotiated variant is the spelled-out one: already stored, no Vary there.
    const auto plain = ops::get("/image/" + png + "/scale:40x%7Cconvert:webp/");
    EXPECT_EQ(plain.status, 200) << plain.body;
    EXPECT_EQ(plain.header("vary"), "");
}

TEST(OpsNegotiation, PresetAndItsSpelledOutChainShareOneObject) {
    ServerProcess& s = ops::server_with(kPresetFlags);
    const std::string id = upload_to(s, jpeg_source(), "p.jpg");
    const auto preset = http_get(s.url("/image/" + id + "/thumb%7Crotate:90/"));
    ASSERT_EQ(preset.status, 201) << preset.body;
    EXPECT_EQ(preset.json()["id"], id + "/scale:64x|convert:png|rotate:90");
    const auto spelled = http_get(s.url("/image/" + id + "/scale:64x%7Cconvert:png%7Crotate:90/"));
    EXPECT_EQ(spelled.status, 200) << spelled.body;
    EXPECT_EQ(spelled.json()["id"], preset.json()["id"]);
    const auto bytes = http_get(s.url("/bytes/" + id + "/thumb"));
    ASSERT_EQ(bytes.status, 200);
    const vips::VImage img = test::decode(bytes.body);
    EXPECT_EQ(test::loader_of(img), "pngload_buffer");
    EXPECT_EQ(img.width(), 64);
    EXPECT_EQ(img.height(), 48);
    // Unknown names are still refused as ops.
    const auto unknown = http_get(s.url("/image/" + id + "/thumbnail/"));
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.json()["error"]["message"].get<std::string>().find("presets: thumb"), std::string::npos)
        << unknown.body;
}

TEST(OpsNegotiation, EagerPresetIsStoredBeforeTheFirstView) {
    ServerProcess& s = ops::server_with(kPresetFlags);
    // Eager variants made so far on this shared server (other tests upload to it too).
    const auto eager_ok = [&s] {
        const std::string text = http_get(s.url("/metrics")).body;
        const std::string series = "\nimgpipe_eager_transforms_total{result=\"ok\"} ";
        const auto at = text.find(series);
        return at == std::string::npos ? -1 : std::stoi(text.substr(at + series.size()));
    };
    const int before = eager_ok();
    const std::string id = upload_to(s, png_source(), "e.png");
    // The variant appears without a request for it. (Not by counting files under <id>/: the
    // original itself lives there on local disk.)
    EXPECT_TRUE(wait_until([&] { return eager_ok() >= before + 1; }, std::chrono::seconds(20)))
        << "the eager variant was not stored";
    const auto first = http_get(s.url("/image/" + id + "/thumb/"));
    EXPECT_EQ(first.status, 200) << first.body; // already stored: not 201
    EXPECT_EQ(first.json()["id"], id + "/scale:64x"); // convert:png of a PNG is no convert
    const auto metrics = http_get(s.url("/metrics"));
    EXPECT_NE(metrics.body.find("imgpipe_eager_transforms_total{result=\"ok\"}"), std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("imgpipe_eager_transforms_total{result=\"failed\"} 0"), std::string::npos)
        << metrics.body;
}

TEST(OpsNegotiation, PresetsOnlyRefusesOtherChains) {
    ServerProcess& s = ops::server_with(kPresetsOnlyFlags);
    const std::string id = upload_to(s, png_source(), "o.png");
    const auto other = http_get(s.url("/image/" + id + "/scale:32x%7Cconvert:webp/"));
    EXPECT_EQ(other.status, 400);
    EXPECT_NE(other.json()["error"].dump().find("presets"), std::string::npos) << other.body;
    EXPECT_EQ(http_get(s.url("/bytes/" + id + "/rotate:90")).status, 400);
    EXPECT_EQ(http_get(s.url("/image/" + id + "/")).status, 200); // the original itself
    const auto preset = http_get(s.url("/image/" + id + "/thumb/"));
    ASSERT_EQ(preset.status, 201) << preset.body;
    // Our own signed link names the concrete chain and is served.
    const auto linked = http_get(preset.json()["url"].get<std::string>());
    ASSERT_EQ(linked.status, 200) << linked.body;
    EXPECT_EQ(test::loader_of(test::decode(linked.body)), "webpload_buffer");
}

} // namespace
} // namespace imgpipe::e2e
