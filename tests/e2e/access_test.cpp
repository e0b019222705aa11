// Access control: API keys for writes, signed transform URLs, and the security headers every
// answer carries.
#include "e2e/harness.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace imgpipe::e2e {
namespace {

const std::string kKeyA = "key-a-0123456789abcdef";
const std::string kKeyB = "key-b-fedcba9876543210";
const std::string kTransformKey = "transform-key-0123456789";

std::string png() { return test::encode(test::quadrants(40, 30), ".png"); }

void expect_code(const HttpResponse& r, long status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], code) << r.body;
}

// `imgpipe sign`, as a user runs it: returns the two printed URLs.
std::vector<std::string> sign(const std::string& target, const std::string& base) {
    int rc = -1;
    const std::string out = run_command("IMGPIPE_TRANSFORM_KEY='" + kTransformKey + "' '" +
                                            imgpipe_binary() + "' sign '" + target + "' --base " + base,
                                        &rc);
    EXPECT_EQ(rc, 0) << out;
    std::vector<std::string> lines;
    for (size_t start = 0, nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
        lines.push_back(out.substr(start, nl - start));
    }
    return lines;
}

TEST(Access, UploadsNeedAKeyWhenKeysAreConfigured) {
    const std::string dir = make_temp_dir("imgpipe-keys");
    {
        std::ofstream(dir + "/keys") << "# the second key comes from a file\n" << kKeyB << "\n";
    }
    ServerProcess server({"--api-keys", kKeyA, "--api-keys-file", dir + "/keys"});
    server.start();
    // The page learns it from GET /ops and asks for a key before the first upload.
    const auto ops = http_get(server.url("/ops")).json();
    EXPECT_TRUE(ops["uploads_need_key"].get<bool>());
    EXPECT_FALSE(ops["transforms_need_signature"].get<bool>());
    const std::string url = server.url("/image/upload/");
    const auto none = http_upload(url, {"file", png(), "a.png"});
    expect_code(none, 401, "unauthorized");
    EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"imgpipe\"");
    for (const std::string& wrong : std::vector<std::string>{"Bearer " + kKeyA + "x", "Bearer " + kKeyA.substr(1), "Basic " + kKeyA,
                                     std::string("Bearer"), "Bearer " + std::string(5000, 'k'), kKeyA}) {
        SCOPED_TRACE(wrong.substr(0, 40));
        expect_code(http_post(url, "x", {"Authorization: " + wrong,
                                        "Content-Type: multipart/form-data; boundary=b"}),
                    401, "unauthorized");
    }
    expect_code(http_post(server.url("/image/link/"), "file_url=http://example.com/a.jpg",
                          {"Content-Type: application/x-www-form-urlencoded"}),
                401, "unauthorized");
    EXPECT_EQ(server.stored_objects(), 0u);
    EXPECT_TRUE(std::filesystem::is_empty(server.data_dir() + "/tmp")) << "an unauthorised body was spooled";

    // Both keys work, the scheme is case-insensitive, and reads need no key.
    std::string id;
    for (const std::string& header : std::vector<std::string>{"Authorization: Bearer " + kKeyA, "Authorization: bearer " + kKeyB}) {
        // http_upload has no header parameter: send the multipart body by hand.
        const std::string body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" +
                                 png() + "\r\n--b--\r\n";
        const auto r = http_post(url, body, {header, "Content-Type: multipart/form-data; boundary=b"});
        ASSERT_EQ(r.status, 201) << r.body;
        id = r.json()["id"];
    }
    EXPECT_EQ(http_get(server.url("/image/" + id + "/")).status, 200);
    EXPECT_EQ(http_get(server.url("/image/" + id + "/rotate:90/")).status, 201);
    EXPECT_EQ(server.stored_objects(), 3u);
    std::filesystem::remove_all(dir);
}

TEST(Access, ShortOrMissingKeysStopTheStart) {
    int rc = 0;
    run_command(std::string("'") + imgpipe_binary() + "' serve --api-keys short --print-config 2>&1", &rc);
    EXPECT_EQ(rc, 2);
    run_command(std::string("'") + imgpipe_binary() + "' serve --api-keys-file /nonexistent/keys --print-config 2>&1", &rc);
    EXPECT_EQ(rc, 2);
    run_command(std::string("'") + imgpipe_binary() + "' serve --transform-key short --print-config 2>&1", &rc);
    EXPECT_EQ(rc, 2);
    const std::string shown = run_command(std::string("'") + imgpipe_binary() + "' serve --api-keys " + kKeyA +
                                          " --transform-key " + kTransformKey + " --print-config", &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(shown.find(kKeyA), std::string::npos) << "a key was printed";
    EXPECT_EQ(shown.find(kTransformKey), std::string::npos) << "the transform key was printed";
}

TEST(Access, TransformsNeedTheirSignatureWhenAKeyIsConfigured) {
    ServerProcess server({"--transform-key", kTransformKey});
    server.start();
    // The page learns it from GET /ops and shows the imgpipe sign command instead of a preview.
    const auto ops = http_get(server.url("/ops")).json();
    EXPECT_TRUE(ops["transforms_need_signature"].get<bool>());
    EXPECT_FALSE(ops["uploads_need_key"].get<bool>());
    const auto up = http_upload(server.url("/image/upload/"), {"file", png(), "a.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    EXPECT_EQ(http_get(server.url("/image/" + id + "/")).status, 200) << "the original needs no signature";

    expect_code(http_get(server.url("/image/" + id + "/rotate:90/")), 403, "forbidden");
    expect_code(http_get(server.url("/bytes/" + id + "/rotate:90")), 403, "forbidden");
    expect_code(http_get(server.url("/image/" + id + "/rotate:90/?sig=" + std::string(64, '0'))), 403, "forbidden");
    expect_code(http_get(server.url("/image/" + id + "/rotate:90/?sig=zz")), 403, "forbidden");
    EXPECT_EQ(server.stored_objects(), 1u);

    const auto urls = sign(id + "/Rotate:90/convert:PNG", server.url());
    ASSERT_EQ(urls.size(), 2u);
    const std::string sig = urls[0].substr(urls[0].find("?sig=") + 5);
    // A signature belongs to its chain only.
    expect_code(http_get(server.url("/image/" + id + "/rotate:91|convert:png/?sig=" + sig)), 403, "forbidden");
    const auto made = http_get(urls[0]);
    ASSERT_EQ(made.status, 201) << made.body;
    // Signed as parsed; stored under the source-aware key (a PNG needs no convert:png).
    EXPECT_EQ(made.json()["id"], id + "/rotate:90");
    // Another spelling of the same chain carries the same signature.
    EXPECT_EQ(http_get(server.url("/image/" + id + "/rotate:90/convert:png/?sig=" + sig)).status, 200);
    const auto bytes = http_get(urls[1]);
    ASSERT_EQ(bytes.status, 200);
    const auto image = test::decode(bytes.body);
    EXPECT_EQ(image.width(), 30);
    EXPECT_EQ(image.height(), 40);
    // The time-limited link in the JSON stands in for the transform signature.
    EXPECT_EQ(http_get(made.json()["url"].get<std::string>()).status, 200);
    EXPECT_EQ(server.stored_objects(), 2u);
}

TEST(Access, SignRefusesBadInput) {
    int rc = 0;
    run_command(std::string("'") + imgpipe_binary() + "' sign 'not-an-id/rotate:1' --transform-key " + kTransformKey + " 2>&1", &rc);
    EXPECT_EQ(rc, 2);
    run_command(std::string("'") + imgpipe_binary() + "' sign '00000000-0000-4000-8000-000000000000/rotat:1' --transform-key " +
                kTransformKey + " 2>&1", &rc);
    EXPECT_EQ(rc, 2);
    run_command(std::string("'") + imgpipe_binary() + "' sign '00000000-0000-4000-8000-000000000000/rotate:1' 2>&1", &rc);
    EXPECT_EQ(rc, 2) << "no key";
}

void expect_security_headers(const HttpResponse& r) {
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
    const std::string csp = r.header("content-security-policy");
    EXPECT_EQ(csp.rfind("default-src 'none';", 0), 0u) << csp;
    EXPECT_NE(csp.find("sandbox"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("script-src"), std::string::npos) << csp;
}

TEST(Access, EveryAnswerCarriesSecurityHeaders) {
    ServerProcess server;
    server.start();
    const auto up = http_upload(server.url("/image/upload/"), {"file", png(), "a.png"});
    const std::string id = up.json()["id"];
    const auto bytes = http_get(server.url("/bytes/" + id));
    std::vector<HttpResponse> answers{
        up, bytes, http_get(server.url("/image/" + id + "/")), http_get(server.url("/image/" + id + "/scale:10x10/")),
        http_get(server.url("/bytes/" + id), {"If-None-Match: " + bytes.header("etag")}),
        http_get(server.url("/bytes/" + id), {}, "HEAD"), http_get(server.url("/health")),
        http_get(server.url("/metrics")), http_get(server.url("/ops")), http_get(server.url("/nothing")),
        http_get(server.url("/image/upload/")), http_get(server.url("/image/" + id + "/rotat:1/")),
        http_upload(server.url("/image/upload/"), {"file", "<html><script>alert(1)</script></html>", "x.html"})};
    EXPECT_EQ(answers[4].status, 304);
    for (const auto& r : answers) {
        SCOPED_TRACE(std::to_string(r.status) + " " + r.body.substr(0, 60));
        expect_security_headers(r);
    }
    // An error written before routing (malformed HTTP) too.
    const std::string raw = raw_exchange(server.port(), "BROKEN\r\n\r\n");
    EXPECT_NE(raw.find("X-Content-Type-Options: nosniff"), std::string::npos) << raw;
    EXPECT_NE(raw.find("Content-Security-Policy: default-src 'none'"), std::string::npos) << raw;
}

} // namespace
} // namespace imgpipe::e2e
