// HTTP details end to end: byte ranges on /bytes/, CORS, the links of the answers (Host,
// X-Forwarded-*, --public-url), Location on every 201, HEAD on the JSON routes. One process, three
// servers started once (below), one ctest entry.
#include "core/access.h"
#include "e2e/harness.h"
#include "e2e/link_server.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace imgpipe::e2e {
namespace {

const std::string kApiKey = "http-details-api-key-0123456789";
const std::string kTransformKey = "http-details-transform-key-0123456789";
const std::string kApp = "https://app.example";

// Each server is started on first use and stopped when the process ends.
ServerProcess& started(ServerProcess& s) {
    if (!s.running()) s.start();
    return s;
}

// Default flags (link uploads from loopback allowed, for the link's Location).
ServerProcess& plain() {
    static ServerProcess s({"--allow-private-networks"});
    return started(s);
}

// Behind a proxy: X-Forwarded-* trusted, two origins allowed, uploads need a key.
ServerProcess& proxied() {
    static ServerProcess s({"--trust-proxy", "--cors-origins", kApp + ", http://localhost:3000", "--api-keys", kApiKey});
    return started(s);
}

// Published under a base path, any origin allowed, transforms signed.
ServerProcess& published() {
    static ServerProcess s(
        {"--public-url", "https://x.example/base/", "--cors-origins", "*", "--transform-key", kTransformKey});
    return started(s);
}

std::string upload(ServerProcess& s, const std::string& bytes) {
    const auto r = http_upload(s.url("/image/upload/"), {"file", bytes, "p.png"});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
}

// A small PNG (answered in one write) and one over 1 MB (streamed in chunks): ranges take both paths.
struct Images {
    std::string small = test::encode(test::photo_like(64, 48), ".png");
    std::string large = test::encode(test::photo_like(900, 700, 7), ".png");
    std::string small_id, large_id;
};
Images& images() {
    static Images i;
    if (i.small_id.empty()) {
        i.small_id = upload(plain(), i.small);
        i.large_id = upload(plain(), i.large);
    }
    return i;
}

HttpResponse get(ServerProcess& s, const std::string& path, const std::vector<std::string>& headers = {},
                 const std::string& method = "GET") {
    return http_get(s.url(path), headers, method);
}

std::string content_range(uint64_t first, uint64_t last, uint64_t size) {
    return "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
}

// --- Ranges ---------------------------------------------------------------------------------------

TEST(HttpDetails, RangesOfOriginalsAndVariantsAreByteExact) {
    ASSERT_GT(images().large.size(), 1024u * 1024u) << "the large image must take the streamed path";
    struct Case {
        std::string path;
        std::string full;
    };
    const auto variant = get(plain(), "/bytes/" + images().small_id + "/scale:40x/");
    ASSERT_EQ(variant.status, 200);
    EXPECT_EQ(test::decode(variant.body).width(), 40);
    const std::vector<Case> cases = {{"/bytes/" + images().small_id, images().small},
                                     {"/bytes/" + images().large_id, images().large},
                                     {"/bytes/" + images().small_id + "/scale:40x/", variant.body}};
    for (const auto& c : cases) {
        const uint64_t size = c.full.size();
        const auto whole = get(plain(), c.path);
        ASSERT_EQ(whole.status, 200) << c.path;
        EXPECT_EQ(whole.body, c.full) << c.path;
        EXPECT_EQ(whole.header("accept-ranges"), "bytes") << c.path;
        struct Want {
            std::string range;
            uint64_t first, last;
        };
        const std::vector<Want> wants = {
            {"bytes=0-0", 0, 0},
            {"bytes=10-19", 10, 19},
            {"bytes=100-", 100, size - 1},
            {"bytes=-100", size - 100, size - 1},
            {"bytes=0-", 0, size - 1},
            {"bytes=" + std::to_string(size / 2) + "-99999999999", size / 2, size - 1},
            {"bytes=-" + std::to_string(size * 2), 0, size - 1},
        };
        for (const auto& w : wants) {
            const auto r = get(plain(), c.path, {"Range: " + w.range});
            EXPECT_EQ(r.status, 206) << c.path << " " << w.range;
            EXPECT_EQ(r.header("content-range"), content_range(w.first, w.last, size)) << c.path << " " << w.range;
            EXPECT_EQ(r.header("content-length"), std::to_string(w.last - w.first + 1)) << w.range;
            EXPECT_EQ(r.header("content-type"), "image/png") << w.range;
            EXPECT_EQ(r.header("etag"), whole.header("etag")) << w.range;
            EXPECT_TRUE(r.body == c.full.substr(w.first, w.last - w.first + 1)) << c.path << " " << w.range;
        }
    }
    // A range across the first streamed chunk (256 KB) of the large image.
    const auto& large = images().large;
    const auto r = get(plain(), "/bytes/" + images().large_id, {"Range: bytes=262000-800000"});
    ASSERT_EQ(r.status, 206);
    EXPECT_TRUE(r.body == large.substr(262000, 800000 - 262000 + 1));
}

TEST(HttpDetails, AnUnsatisfiableRangeIs416WithTheSize) {
    const std::string size = std::to_string(images().small.size());
    for (const std::string& range : {"bytes=" + size + "-", "bytes=" + size + "-" + size + "0", std::string("bytes=-0")}) {
        const auto r = get(plain(), "/bytes/" + images().small_id, {"Range: " + range});
        EXPECT_EQ(r.status, 416) << range;
        EXPECT_EQ(r.header("content-range"), "bytes */" + size) << range;
        EXPECT_EQ(r.header("content-type"), "application/json");
        EXPECT_EQ(r.json()["error"]["code"], "range_not_satisfiable") << r.body;
    }
    const auto head = get(plain(), "/bytes/" + images().small_id, {"Range: bytes=" + size + "-"}, "HEAD");
    EXPECT_EQ(head.status, 416);
    EXPECT_EQ(head.header("content-range"), "bytes */" + size);
    EXPECT_TRUE(head.body.empty());
}

TEST(HttpDetails, SeveralOrMalformedRangesGetTheWholeImage) {
    for (const char* range : {"bytes=0-1,5-6", "bytes=0-1, 100-200", "items=0-1", "bytes=9-1", "bytes=x-"}) {
        const auto r = get(plain(), "/bytes/" + images().small_id, {std::string("Range: ") + range});
        EXPECT_EQ(r.status, 200) << range;
        EXPECT_EQ(r.header("content-range"), "") << range;
        EXPECT_TRUE(r.body == images().small) << range;
    }
}

TEST(HttpDetails, IfRangeHonoursTheRangeOnlyForTheCurrentEtag) {
    const std::string path = "/bytes/" + images().small_id;
    const std::string etag = get(plain(), path, {}, "HEAD").header("etag");
    ASSERT_FALSE(etag.empty());
    auto r = get(plain(), path, {"Range: bytes=0-9", "If-Range: " + etag});
    EXPECT_EQ(r.status, 206);
    EXPECT_TRUE(r.body == images().small.substr(0, 10));
    for (const std::string& stale : {std::string("\"00000000000000000000000000000000\""), "W/" + etag,
                                    std::string("Wed, 21 Oct 2015 07:28:00 GMT")}) {
        r = get(plain(), path, {"Range: bytes=0-9", "If-Range: " + stale});
        EXPECT_EQ(r.status, 200) << stale;
        EXPECT_TRUE(r.body == images().small) << stale;
    }
    // If-None-Match comes first: a client holding the image gets 304, range or not.
    EXPECT_EQ(get(plain(), path, {"Range: bytes=0-9", "If-None-Match: " + etag}).status, 304);
}

TEST(HttpDetails, HeadOfBytesWithAndWithoutRangeMatchesGet) {
    const std::string path = "/bytes/" + images().large_id;
    const uint64_t size = images().large.size();
    auto h = get(plain(), path, {}, "HEAD");
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.header("content-length"), std::to_string(size));
    EXPECT_EQ(h.header("accept-ranges"), "bytes");
    EXPECT_TRUE(h.body.empty());
    h = get(plain(), path, {"Range: bytes=-500"}, "HEAD");
    EXPECT_EQ(h.status, 206);
    EXPECT_EQ(h.header("content-range"), content_range(size - 500, size - 1, size));
    EXPECT_EQ(h.header("content-length"), "500");
    EXPECT_TRUE(h.body.empty());
}

// --- CORS -----------------------------------------------------------------------------------------

TEST(HttpDetails, CorsIsOffByDefault) {
    const auto r = get(plain(), "/health", {"Origin: " + kApp});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("access-control-allow-origin"), "");
    EXPECT_EQ(r.header("vary"), "");
    // No preflight either: OPTIONS is a method the paths do not take.
    const auto o = get(plain(), "/image/upload/",
                       {"Origin: " + kApp, "Access-Control-Request-Method: POST"}, "OPTIONS");
    EXPECT_EQ(o.status, 405);
    EXPECT_EQ(o.header("allow"), "POST");
    EXPECT_EQ(o.header("access-control-allow-origin"), "");
}

TEST(HttpDetails, CorsAnswersAListedOriginOnEveryAnswer) {
    ServerProcess& s = proxied();
    for (const std::string& origin : {kApp, std::string("http://localhost:3000")}) {
        const auto r = get(s, "/health", {"Origin: " + origin});
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.header("access-control-allow-origin"), origin);
        EXPECT_EQ(r.header("vary"), "Origin");
        EXPECT_NE(r.header("access-control-expose-headers").find("X-Request-Id"), std::string::npos);
        EXPECT_EQ(r.header("access-control-allow-credentials"), "");
    }
    // Errors too, so that a page can read why: an upload without the key.
    const auto denied = http_post(s.url("/image/upload/"), "x", {"Origin: " + kApp});
    EXPECT_EQ(denied.status, 401);
    EXPECT_EQ(denied.header("access-control-allow-origin"), kApp);
    // Another origin: the answer, but nothing that lets its page read it.
    const auto other = get(s, "/health", {"Origin: https://evil.example"});
    EXPECT_EQ(other.status, 200);
    EXPECT_EQ(other.header("access-control-allow-origin"), "");
    EXPECT_EQ(other.header("vary"), "Origin");
    // A cached answer must not cross origins: Vary: Origin even without one, added to Accept.
    EXPECT_EQ(get(s, "/health").header("vary"), "Origin");
}

TEST(HttpDetails, CorsPreflightNeedsNoKeyAndNamesTheRouteMethods) {
    ServerProcess& s = proxied();
    const auto p = get(s, "/image/upload/",
                       {"Origin: " + kApp, "Access-Control-Request-Method: POST",
                        "Access-Control-Request-Headers: authorization, content-type"},
                       "OPTIONS");
    EXPECT_EQ(p.status, 204);
    EXPECT_TRUE(p.body.empty());
    EXPECT_EQ(p.header("content-length"), "");
    EXPECT_EQ(p.header("access-control-allow-origin"), kApp);
    EXPECT_EQ(p.header("access-control-allow-methods"), "POST");
    EXPECT_NE(p.header("access-control-allow-headers").find("Authorization"), std::string::npos);
    EXPECT_NE(p.header("access-control-allow-headers").find("Content-Type"), std::string::npos);
    EXPECT_EQ(p.header("access-control-max-age"), "3600");
    EXPECT_EQ(p.header("allow"), "POST, OPTIONS");
    const auto b = get(s, "/bytes/" + std::string(36, 'a'),
                       {"Origin: " + kApp, "Access-Control-Request-Method: GET"}, "OPTIONS");
    EXPECT_EQ(b.status, 204);
    EXPECT_EQ(b.header("access-control-allow-methods"), "GET, HEAD");
    // The key-holding upload that follows works.
    const auto up = http_post(s.url("/image/upload/"), "", {"Authorization: Bearer " + kApiKey, "Origin: " + kApp});
    EXPECT_EQ(up.status, 400); // past the key: the empty form is what is wrong
    EXPECT_EQ(up.header("access-control-allow-origin"), kApp);
    // A plain OPTIONS (no preflight) lists the methods; 405s list OPTIONS too.
    const auto plain_options = get(s, "/health", {}, "OPTIONS");
    EXPECT_EQ(plain_options.status, 204);
    EXPECT_EQ(plain_options.header("allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(plain_options.header("access-control-allow-methods"), "");
    EXPECT_EQ(get(s, "/health", {}, "DELETE").header("allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(get(s, "/nowhere", {"Origin: " + kApp, "Access-Control-Request-Method: GET"}, "OPTIONS").status, 404);
}

TEST(HttpDetails, CorsPreflightFromAnUnlistedOriginIs403) {
    const auto p = get(proxied(), "/image/upload/",
                       {"Origin: https://evil.example", "Access-Control-Request-Method: POST"}, "OPTIONS");
    EXPECT_EQ(p.status, 403);
    EXPECT_EQ(p.json()["error"]["code"], "forbidden");
    EXPECT_EQ(p.header("access-control-allow-origin"), "");
    EXPECT_EQ(p.header("access-control-allow-methods"), "");
}

TEST(HttpDetails, CorsStarAllowsEveryOriginWithoutVary) {
    const auto r = get(published(), "/ops", {"Origin: https://anyone.example"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    EXPECT_EQ(r.header("vary"), "");
    const auto p = get(published(), "/ops", {"Origin: https://anyone.example", "Access-Control-Request-Method: GET"},
                       "OPTIONS");
    EXPECT_EQ(p.status, 204);
    EXPECT_EQ(p.header("access-control-allow-origin"), "*");
}

// --- Links ----------------------------------------------------------------------------------------

std::string url_of(ServerProcess& s, const std::string& id, const std::vector<std::string>& headers) {
    const auto r = get(s, "/image/" + id + "/", headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("url", "");
}

TEST(HttpDetails, WithoutProxyTrustTheHostHeaderShapesLinksAndXForwardedIsIgnored) {
    const std::string id = images().small_id;
    // The documented risk: a client's Host shapes the links in its own answer.
    EXPECT_TRUE(url_of(plain(), id, {"Host: evil.example"}).starts_with("http://evil.example/bytes/" + id + "?"));
    EXPECT_TRUE(url_of(plain(), id, {"Host: evil.example/<x>"}).starts_with("http://localhost/bytes/"));
    const std::string url = url_of(plain(), id, {"X-Forwarded-Proto: https", "X-Forwarded-Host: proxy.example"});
    EXPECT_TRUE(url.starts_with("http://127.0.0.1:" + std::to_string(plain().port()) + "/bytes/")) << url;
    // The link works as given.
    const std::string path = url.substr(url.find("/bytes/"));
    const auto bytes = get(plain(), path);
    EXPECT_EQ(bytes.status, 200);
    EXPECT_TRUE(bytes.body == images().small);
}

TEST(HttpDetails, WithProxyTrustXForwardedShapesLinks) {
    ServerProcess& s = proxied();
    // An upload with the key: a multipart body written here (http_upload sends no headers).
    const std::string boundary = "b0undary";
    const std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\n"
                             "Content-Type: image/png\r\n\r\n" + images().small + "\r\n--" + boundary + "--\r\n";
    const auto own = http_post(s.url("/image/upload/"), body,
                               {"Authorization: Bearer " + kApiKey,
                                "Content-Type: multipart/form-data; boundary=" + boundary,
                                "X-Forwarded-Proto: https", "X-Forwarded-Host: img.example.com"});
    ASSERT_EQ(own.status, 201) << own.body;
    const std::string id = own.json()["id"];
    EXPECT_TRUE(own.json()["url"].get<std::string>().starts_with("https://img.example.com/bytes/" + id + "?"));
    EXPECT_EQ(own.header("location"), "/image/" + id + "/");
    // The first of a list (the client's side of the proxies); insane values are not taken.
    EXPECT_TRUE(url_of(s, id, {"X-Forwarded-Proto: https, http", "X-Forwarded-Host: img.example.com, inner"})
                    .starts_with("https://img.example.com/bytes/"));
    EXPECT_TRUE(url_of(s, id, {"Host: internal:8000", "X-Forwarded-Proto: gopher", "X-Forwarded-Host: a b"})
                    .starts_with("http://internal:8000/bytes/"));
}

TEST(HttpDetails, PublicUrlWinsKeepsItsBasePathAndNoDoubleSlash) {
    ServerProcess& s = published();
    const auto up = http_upload(s.url("/image/upload/"), {"file", images().small, "p.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    EXPECT_EQ(up.header("location"), "https://x.example/base/image/" + id + "/");
    const std::string url = url_of(s, id, {"Host: evil.example", "X-Forwarded-Host: evil2.example"});
    EXPECT_TRUE(url.starts_with("https://x.example/base/bytes/" + id + "?")) << url;
    EXPECT_EQ(url.find("//", std::string("https://").size()), std::string::npos) << url;
    // Behind the proxy that strips /base, the link's path is served.
    const auto bytes = get(s, url.substr(std::string("https://x.example/base").size()));
    EXPECT_EQ(bytes.status, 200);
    EXPECT_TRUE(bytes.body == images().small);
}

// --- Location on every 201 ------------------------------------------------------------------------

TEST(HttpDetails, EveryCreatedAnswerCarriesTheLocationOfItsJson) {
    ServerProcess& s = plain();
    // Upload.
    const auto up = http_upload(s.url("/image/upload/"), {"file", images().small, "p.png"});
    ASSERT_EQ(up.status, 201);
    const std::string id = up.json()["id"];
    EXPECT_EQ(up.header("location"), "/image/" + id + "/");
    EXPECT_EQ(get(s, up.header("location")).json()["id"], id);
    // Link upload.
    LinkServer links;
    links.serve_bytes("/p.png", images().small, "image/png");
    const auto link = http_post(s.url("/image/link/"), "file_url=" + links.url("/p.png"),
                                {"Content-Type: application/x-www-form-urlencoded"});
    ASSERT_EQ(link.status, 201) << link.body;
    EXPECT_EQ(link.header("location"), "/image/" + link.json()["id"].get<std::string>() + "/");
    // A new variant, by GET and by HEAD; once stored it is 200 without Location.
    for (const std::string method : {"GET", "HEAD"}) {
        const std::string chain = method == "GET" ? "rotate:90|scale:20x" : "flip:h|scale:20x";
        const auto v = get(s, "/image/" + id + "/" + chain + "/", {}, method);
        ASSERT_EQ(v.status, 201) << method;
        const std::string location = v.header("location");
        EXPECT_TRUE(location.starts_with("/image/" + id + "/")) << location;
        EXPECT_EQ(location.find('|'), std::string::npos) << location;
        const auto again = get(s, location);
        EXPECT_EQ(again.status, 200) << location;
        EXPECT_EQ(again.header("location"), "");
        EXPECT_EQ(again.json()["id"].get<std::string>().substr(0, id.size()), id);
        EXPECT_EQ(again.json()["width"], 20);
    }
}

TEST(HttpDetails, LocationOfASignedTransformIsSignedAndAbsoluteUnderPublicUrl) {
    ServerProcess& s = published();
    const auto up = http_upload(s.url("/image/upload/"), {"file", images().small, "p.png"});
    ASSERT_EQ(up.status, 201);
    const std::string id = up.json()["id"];
    const std::string sig = TransformSigner(kTransformKey).sign(id, "scale:16x");
    const auto v = get(s, "/image/" + id + "/scale:16x/?sig=" + sig);
    ASSERT_EQ(v.status, 201) << v.body;
    const std::string location = v.header("location");
    const std::string base = "https://x.example/base";
    ASSERT_TRUE(location.starts_with(base + "/image/" + id + "/")) << location;
    EXPECT_NE(location.find("?sig="), std::string::npos) << location;
    const auto again = get(s, location.substr(base.size()));
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["width"], 16);
}

TEST(HttpDetails, UnderPresetsOnlyTheLocationNamesThePreset) {
    static ServerProcess presets({"--preset", "thumb=scale:24x", "--presets-only"});
    ServerProcess& s = started(presets);
    const auto up = http_upload(s.url("/image/upload/"), {"file", images().small, "p.png"});
    ASSERT_EQ(up.status, 201);
    const std::string id = up.json()["id"];
    const auto v = get(s, "/image/" + id + "/thumb/");
    ASSERT_EQ(v.status, 201) << v.body;
    EXPECT_EQ(v.header("location"), "/image/" + id + "/thumb/");
    const auto again = get(s, v.header("location"));
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["width"], 24);
}

// --- HEAD on the JSON routes ----------------------------------------------------------------------

TEST(HttpDetails, HeadOnEveryJsonRouteIsGetWithoutTheBody) {
    ServerProcess& s = plain();
    const std::string id = images().small_id;
    ASSERT_EQ(get(s, "/image/" + id + "/grayscale/").status / 100, 2); // stored before the comparison
    for (const std::string& path : {"/image/" + id + "/", "/image/" + id + "/grayscale/", std::string("/health"),
                                   std::string("/ready"), std::string("/ops"), std::string("/openapi.json")}) {
        const auto g = get(s, path);
        const auto h = get(s, path, {}, "HEAD");
        EXPECT_EQ(h.status, g.status) << path;
        EXPECT_EQ(h.header("content-type"), g.header("content-type")) << path;
        EXPECT_EQ(h.header("cache-control"), g.header("cache-control")) << path;
        EXPECT_EQ(h.header("content-length"), std::to_string(g.body.size())) << path;
        EXPECT_TRUE(h.body.empty()) << path;
    }
    // /metrics changes with every request: same type, a length near the GET's.
    const auto g = get(s, "/metrics");
    const auto h = get(s, "/metrics", {}, "HEAD");
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.header("content-type"), g.header("content-type"));
    const double length = std::stod(h.header("content-length"));
    EXPECT_GT(length, 0.9 * static_cast<double>(g.body.size()));
    EXPECT_LT(length, 1.1 * static_cast<double>(g.body.size()));
    EXPECT_TRUE(h.body.empty());
    // An error answered to HEAD: its status and headers, no body.
    const auto missing = get(s, "/image/" + std::string("00000000-0000-4000-8000-000000000000") + "/", {}, "HEAD");
    EXPECT_EQ(missing.status, 404);
    EXPECT_TRUE(missing.body.empty());
}

} // namespace
} // namespace imgpipe::e2e
