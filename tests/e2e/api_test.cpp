#include "core/formats/format.h"
#include "core/ops/catalog.h"
#include "core/signing.h"
#include "e2e/harness.h"
#include "e2e/link_server.h"
#include "support/test_images.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

namespace imgpipe::e2e {
namespace {

std::string url_encode(const std::string& s) {
    char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
    std::string out(e);
    curl_free(e);
    return out;
}

const std::string kSecret = "e2e-test-secret-0123456789abcdef";

class Api : public ::testing::Test {
protected:
    void SetUp() override { server_.start(); }

    nlohmann::json upload(const std::string& bytes, const std::string& filename = "photo.png") {
        const auto r = http_upload(server_.url("/image/upload/"), {"file", bytes, filename});
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
    HttpResponse get(const std::string& path, const std::vector<std::string>& headers = {}) {
        return http_get(server_.url(path), headers);
    }

    ServerProcess server_{{"--allow-private-networks", "true", "--secret", kSecret}};
};

TEST_F(Api, UploadMetadataTransformFetch) {
    const std::string png = test::encode(test::quadrants(400, 300), ".png");
    const auto up = http_upload(server_.url("/image/upload/"), {"file", png, "quad.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const auto j = up.json();
    const std::string id = j["id"];
    EXPECT_EQ(up.header("location"), "/image/" + id + "/");
    EXPECT_EQ(j["content_type"], "image/png");
    EXPECT_EQ(j["content_length"], png.size());
    EXPECT_EQ(j["etag"], "\"" + md5_of(png) + "\"");
    EXPECT_EQ(j["filename"], "quad.png");
    EXPECT_EQ(j["width"], 400);
    EXPECT_EQ(j["height"], 300);

    const auto meta = get("/image/" + id + "/");
    ASSERT_EQ(meta.status, 200);
    for (const char* k : {"id", "content_type", "content_length", "etag", "filename", "width", "height"}) {
        EXPECT_EQ(meta.json()[k], j[k]) << k;
    }

    const auto t = get("/image/" + id + "/rotate:90|convert:jpeg|scale:150x/");
    ASSERT_EQ(t.status, 201) << t.body;
    const auto tj = t.json();
    EXPECT_EQ(tj["id"], id + "/rotate:90|convert:jpeg|scale:150x");
    EXPECT_EQ(tj["filename"], "quad.jpg");
    EXPECT_EQ(tj["width"], 150);
    EXPECT_EQ(tj["height"], 200);

    const auto bytes = http_get(tj["url"].get<std::string>());
    ASSERT_EQ(bytes.status, 200);
    EXPECT_EQ(bytes.header("content-type"), "image/jpeg");
    EXPECT_EQ(bytes.header("etag"), tj["etag"]);
    EXPECT_EQ("\"" + md5_of(bytes.body) + "\"", tj["etag"]);
    const auto img = test::decode(bytes.body);
    EXPECT_EQ(test::loader_of(img), "jpegload_buffer");
    EXPECT_EQ(img.width(), 150);
    EXPECT_EQ(img.height(), 200);
    // rotate:90 is counter-clockwise: the green top-right quadrant is now top-left.
    EXPECT_EQ(test::colour_at(img, 20, 20), "green");
    EXPECT_EQ(test::colour_at(img, 130, 180), "blue");
}

// GET /ops: the catalogue the page builds its chain builder from, and what it must know of this
// server. The first example of every op, as the page would request it, is a variant.
TEST_F(Api, OpsAnswersTheCatalogueAndTheConfiguration) {
    const auto r = get("/ops");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    const auto ops = r.json();
    EXPECT_EQ(ops["ops"], op_catalog()); // the core's catalogue, checked against the parser in unit_tests
    EXPECT_EQ(ops["presets"], nlohmann::json::array());
    EXPECT_FALSE(ops["uploads_need_key"].get<bool>());
    EXPECT_FALSE(ops["transforms_need_signature"].get<bool>());
    EXPECT_EQ(ops["max_ops"], 16);
    EXPECT_EQ(ops["max_upload_bytes"], 52428800);
    ASSERT_EQ(ops["formats"].size(), output_formats().size());
    for (size_t i = 0; i < output_formats().size(); ++i) {
        EXPECT_EQ(ops["formats"][i]["name"], output_formats()[i].name);
        EXPECT_EQ(ops["formats"][i]["content_type"], output_formats()[i].mime);
    }

    const std::string id = upload(test::encode(test::quadrants(200, 150), ".png"))["id"];
    for (const auto& op : ops["ops"]) {
        const std::string chain = op["examples"][0]["chain"];
        std::string path = chain;
        for (size_t at; (at = path.find('|')) != std::string::npos;) path.replace(at, 1, "%7C");
        const auto t = get("/image/" + id + "/" + path + "/");
        EXPECT_EQ(t.status, 201) << chain << ": " << t.body;
    }
}

TEST_F(Api, EquivalentChainsShareOneStoredObject) {
    const std::string id = upload(test::encode(test::photo_like(300, 200), ".png"))["id"];
    const auto first = get("/image/" + id + "/rotate:10|convert:webp|scale:120x80/");
    ASSERT_EQ(first.status, 201);
    for (const std::string& same : std::vector<std::string>{"/image/" + id + "/rotate:370|convert:WEBP|resize:120x80/",
                                   "/image/" + id + "/rotate:10.0%7Cconvert:webp%7Cscale:0120x080/",
                                   "/image/" + id + "/rotate:10/convert:webp/scale:120x80/",
                                   "/image/" + id + "/rotate:-350|rotate:0|convert:webp|scale:120x80"}) {
        const auto r = get(same);
        EXPECT_EQ(r.status, 200) << same;
        EXPECT_EQ(r.json()["id"], first.json()["id"]) << same;
        EXPECT_EQ(r.json()["etag"], first.json()["etag"]) << same;
    }
    // Storage holds the original and exactly one derivative.
    EXPECT_EQ(server_.stored_objects(id), 2u);
}

TEST_F(Api, EveryOutputFormatDecodes) {
    const std::string id = upload(test::encode(test::photo_like(320, 240), ".jpg"), "p.jpg")["id"];
    struct Case { const char* op; const char* mime; const char* loader; };
    for (const Case c : {Case{"jpeg", "image/jpeg", "jpegload_buffer"}, Case{"png", "image/png", "pngload_buffer"},
                         Case{"webp", "image/webp", "webpload_buffer"}, Case{"gif", "image/gif", "gifload_buffer"},
                         Case{"tiff", "image/tiff", "tiffload_buffer"}, Case{"avif", "image/avif", "heifload_buffer"}}) {
        const auto t = get("/image/" + id + "/scale:64x48|convert:" + c.op + "/");
        ASSERT_EQ(t.status, 201) << c.op << " " << t.body;
        EXPECT_EQ(t.json()["content_type"], c.mime);
        const auto b = get("/bytes/" + id + "/scale:64x48%7Cconvert:" + c.op + "/");
        ASSERT_EQ(b.status, 200) << c.op;
        EXPECT_EQ(b.header("content-type"), c.mime);
        const auto img = test::decode(b.body);
        EXPECT_EQ(test::loader_of(img), c.loader);
        EXPECT_EQ(img.width(), 64) << c.op;
        EXPECT_EQ(img.height(), 48) << c.op;
    }
}

TEST_F(Api, RotationCornersAreTransparentOrWhite) {
    const std::string id = upload(test::encode(test::quadrants(200, 200), ".png"))["id"];
    const auto png = test::decode(get("/bytes/" + id + "/rotate:45/").body);
    ASSERT_EQ(png.bands(), 4);
    EXPECT_EQ(png.getpoint(0, 0)[3], 0);
    const auto jpeg = test::decode(get("/bytes/" + id + "/rotate:45|convert:jpeg/").body);
    EXPECT_EQ(jpeg.bands(), 3);
    EXPECT_EQ(test::colour_at(jpeg, 2, 2), "white");
}

TEST_F(Api, BytesRouteCachingHeaders) {
    const std::string png = test::encode(test::quadrants(100, 100), ".png");
    const std::string id = upload(png)["id"];
    const auto original = get("/bytes/" + id);
    ASSERT_EQ(original.status, 200);
    EXPECT_EQ(original.body, png);
    EXPECT_EQ(original.header("x-content-type-options"), "nosniff");

    const auto derived = get("/bytes/" + id + "/scale:10x10/");
    ASSERT_EQ(derived.status, 200);
    EXPECT_NE(derived.header("cache-control").find("immutable"), std::string::npos);
    const std::string etag = derived.header("etag");
    ASSERT_FALSE(etag.empty());
    const auto again = get("/bytes/" + id + "/scale:10x10/", {"If-None-Match: " + etag});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(get("/bytes/" + id + "/scale:10x10/", {"If-None-Match: \"other\""}).status, 200);
    const auto head = http_get(server_.url("/bytes/" + id + "/scale:10x10/"), {}, "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), std::to_string(derived.body.size()));
}

TEST_F(Api, SignedLinksRefuseTamperingAndExpiry) {
    const auto j = upload(test::encode(test::quadrants(50, 50), ".png"));
    const std::string id = j["id"];
    // The JSON's `url`: imgpipe's own signed link on local disk, a presigned GET on S3.
    EXPECT_NE(j["url"].get<std::string>().find(s3_mode() ? "X-Amz-Signature=" : "/bytes/" + id + "?expires="),
              std::string::npos) << j["url"];
    EXPECT_EQ(http_get(j["url"].get<std::string>()).status, 200);
    const UrlSigner signer(kSecret);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string url = server_.url(signer.sign("/bytes/" + id, now + 600));
    EXPECT_EQ(http_get(url).status, 200);
    std::string tampered = url;
    tampered[tampered.size() - 1] = tampered.back() == '0' ? '1' : '0';
    const auto bad = http_get(tampered);
    EXPECT_EQ(bad.status, 403);
    EXPECT_EQ(bad.json()["error"]["code"], "forbidden");
    const auto exp = url.find("expires=") + 8;
    std::string extended = url;
    extended.replace(exp, url.find('&', exp) - exp, "99999999999");
    EXPECT_EQ(http_get(extended).status, 403);
    // A correctly signed link whose time is over.
    const auto past = now - 10;
    EXPECT_EQ(get(signer.sign("/bytes/" + id, past)).status, 403);
    EXPECT_EQ(get(signer.sign("/bytes/" + id, past + 3600)).status, 200);
}

TEST_F(Api, SignedLinksOnlyWhenBytesAreNotPublic) {
    ServerProcess strict({"--public-bytes", "false", "--secret", kSecret});
    strict.start();
    const auto up = http_upload(strict.url("/image/upload/"), {"file", test::encode(test::quadrants(20, 20), ".png"), "a.png"});
    ASSERT_EQ(up.status, 201);
    const std::string id = up.json()["id"];
    EXPECT_EQ(http_get(strict.url("/bytes/" + id)).status, 403);
    EXPECT_EQ(http_get(up.json()["url"].get<std::string>()).status, 200);
}

TEST_F(Api, ExifOrientationIsAppliedOnTheWayIn) {
    // Stored pixels turned so that orientation 6 (rotate 90 clockwise to view) shows them upright.
    vips::VImage stored = test::quadrants(300, 200).rot(VIPS_ANGLE_D270).copy();
    stored.set(VIPS_META_ORIENTATION, 6);
    const auto j = upload(test::encode(stored, ".jpg[Q=95]"), "phone.jpg");
    EXPECT_EQ(j["width"], 300);
    EXPECT_EQ(j["height"], 200);
    const auto t = get("/bytes/" + j["id"].get<std::string>() + "/convert:png/");
    const auto img = test::decode(t.body);
    EXPECT_EQ(img.width(), 300);
    EXPECT_EQ(test::colour_at(img, 20, 20), "red");
    EXPECT_EQ(test::colour_at(img, 280, 20), "green");
    EXPECT_EQ(img.get_typeof(VIPS_META_ORIENTATION), 0u) << "orientation tag left in the output";
}

TEST_F(Api, LinkUploadFollowsRedirectsAndNamesTheFile) {
    LinkServer links;
    const std::string jpeg = test::encode(test::photo_like(120, 80), ".jpg");
    links.serve_bytes("/pics/cat%20photo.jpg", jpeg, "image/jpeg");
    links.redirect("/r1", "/r2");
    links.redirect("/r2", "/pics/cat%20photo.jpg");
    for (const std::string& path : std::vector<std::string>{"/pics/cat%20photo.jpg", "/r1"}) {
        const auto r = http_post(server_.url("/image/link/"), "file_url=" + url_encode(links.url(path)),
                                 {"Content-Type: application/x-www-form-urlencoded"});
        ASSERT_EQ(r.status, 201) << r.body;
        EXPECT_EQ(r.json()["etag"], "\"" + md5_of(jpeg) + "\"");
        EXPECT_EQ(r.json()["width"], 120);
        EXPECT_EQ(r.json()["filename"], path == "/r1" ? "r1" : "cat photo.jpg");
    }
}

TEST_F(Api, RestartKeepsEverythingAcknowledged) {
    const std::string png = test::encode(test::photo_like(200, 100), ".png");
    const auto j = upload(png);
    const std::string id = j["id"];
    const auto t = get("/image/" + id + "/scale:50x|convert:webp/");
    ASSERT_EQ(t.status, 201);
    const std::string derived = get("/bytes/" + id + "/scale:50x|convert:webp/").body;
    EXPECT_EQ(server_.stop(SIGTERM), 0) << "SIGTERM is a clean exit";
    server_.start();
    EXPECT_EQ(get("/image/" + id + "/").json()["etag"], j["etag"]);
    EXPECT_EQ(get("/bytes/" + id).body, png);
    const auto again = get("/image/" + id + "/scale:50x|convert:webp/");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(get("/bytes/" + id + "/scale:50x|convert:webp/").body, derived);
}

TEST_F(Api, SimultaneousRequestsForANewVariantCostOneTransform) {
    const std::string id = upload(test::encode(test::photo_like(2000, 1500), ".jpg"), "big.jpg")["id"];
    const int before = server_.transforms_computed();
    const std::string path = "/bytes/" + id + "/rotate:33|convert:avif|scale:640x/";
    std::vector<std::future<HttpResponse>> replies;
    for (int i = 0; i < 50; ++i) {
        replies.push_back(std::async(std::launch::async, [&] { return get(path); }));
    }
    std::set<std::string> bodies;
    for (auto& f : replies) {
        const auto r = f.get();
        ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
        bodies.insert(r.body);
    }
    EXPECT_EQ(bodies.size(), 1u) << "all 50 got the same image";
    const auto img = test::decode(*bodies.begin());
    EXPECT_EQ(test::loader_of(img), "heifload_buffer");
    EXPECT_EQ(img.width(), 640);
    EXPECT_EQ(server_.transforms_computed() - before, 1);
    const auto after = get("/health").json();
    // The mipmap made at upload is no variant a client can ask for.
    EXPECT_EQ(get("/bytes/" + id + "/mipmap/").status, 400);
    EXPECT_EQ(get("/image/" + id + "/mipmap/").status, 400);
    EXPECT_GT(after["transforms_coalesced"].get<int>(), 0) << after;
    // Counted where it was computed: this process, or in cluster mode a worker (the API nodes
    // count dispatched jobs instead).
    const auto metrics = get("/metrics");
    const std::string computed = cluster_mode() ? server_.workers()[0]->metrics() + server_.workers()[1]->metrics()
                                                : metrics.body;
    EXPECT_NE(computed.find("imgpipe_transforms_total 1\n"), std::string::npos) << computed;
    if (cluster_mode()) {
        EXPECT_NE(metrics.body.find("imgpipe_transforms_total 0\n"), std::string::npos) << metrics.body;
        EXPECT_NE(metrics.body.find("imgpipe_jobs_dispatched_total"), std::string::npos) << metrics.body;
    }
}

TEST_F(Api, SigtermFinishesRequestsInFlight) {
    // A grace far beyond what the transform takes on any machine: the test is about waiting for
    // it, not about its speed (Faults.Sigterm* checks that the grace also ends the wait).
    ServerProcess server({"--shutdown-grace-ms", "100000"});
    server.start();
    const auto up = http_upload(server.url("/image/upload/"),
                                {"file", test::encode(test::photo_like(2000, 2000), ".jpg"), "big.jpg"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    auto slow = std::async(std::launch::async, [&] {
        return http_get(server.url("/image/" + id + "/rotate:33|convert:avif/"));
    });
    ASSERT_TRUE(wait_until([&] { return http_get(server.url("/health")).json()["workers_in_flight"] == 1; }));
    const int port = server.port();
    EXPECT_EQ(server.stop(SIGTERM), 0);
    try {
        const auto r = slow.get();
        EXPECT_EQ(r.status, 201) << r.body;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "the transform in flight was cut: " << e.what();
    }
    // Stopped for good: nothing listens any more.
    EXPECT_THROW(http_get("http://127.0.0.1:" + std::to_string(port) + "/health"), std::runtime_error);
}

TEST_F(Api, LargeUploadStreams) {
    // About 10 MB of incompressible PNG: curl sends Expect: 100-continue for it.
    const std::string png = test::encode(vips::VImage::gaussnoise(2400, 2400).cast(VIPS_FORMAT_UCHAR).bandjoin({
        vips::VImage::gaussnoise(2400, 2400).cast(VIPS_FORMAT_UCHAR),
        vips::VImage::gaussnoise(2400, 2400).cast(VIPS_FORMAT_UCHAR)}).copy(
        vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB)), ".png[compression=0]");
    ASSERT_GT(png.size(), 8u * 1024 * 1024);
    const auto j = upload(png, "noise.png");
    EXPECT_EQ(j["etag"], "\"" + md5_of(png) + "\"");
    EXPECT_EQ(j["width"], 2400);
    EXPECT_TRUE(std::filesystem::is_empty(server_.data_dir() + "/tmp")) << "temp files left behind";
}

TEST_F(Api, HealthAndOfflineTransform) {
    EXPECT_EQ(get("/health").json()["status"], "ok");
    const std::string dir = make_temp_dir("imgpipe-cli");
    test::write_file(dir + "/in.jpg", test::encode(test::photo_like(640, 480), ".jpg"));
    int rc = 0;
    const std::string out = run_command(imgpipe_binary() + " transform " + dir + "/in.jpg " +
                                        dir + "/out.webp 'rotate:10|scale:200x100'", &rc);
    ASSERT_EQ(rc, 0) << out;
    const auto img = test::decode(test::read_file(dir + "/out.webp"));
    EXPECT_EQ(test::loader_of(img), "webpload_buffer");
    EXPECT_EQ(img.width(), 200);
    EXPECT_EQ(img.height(), 100);
    std::filesystem::remove_all(dir);
}

TEST_F(Api, ServesItsOpenApiDescription) {
    // The repository's web/openapi.json byte for byte (embedded at build time), revalidated by ETag.
    // Its content is checked by openapi_test and redocly; this checks that it is what the server
    // serves (and gives check_answers.mjs these answers to check against it too).
    const std::string file = test::read_file(IMGPIPE_OPENAPI_JSON);
    const auto r = get("/openapi.json");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.body, file);
    EXPECT_EQ(r.json()["openapi"], "3.1.0");
    EXPECT_EQ(r.header("etag"), "\"" + md5_of(file) + "\"");
    EXPECT_EQ(get("/openapi.json", {"If-None-Match: " + r.header("etag")}).status, 304);
    const auto head = http_get(server_.url("/openapi.json"), {}, "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), std::to_string(file.size()));
}

} // namespace
} // namespace imgpipe::e2e
