// Every error status of the API, each as JSON {"error": {"code", "message"}}, with nothing stored
// and the server still answering afterwards.
#include "e2e/harness.h"
#include "e2e/link_server.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <cstdio>
#include <future>
#include <thread>

namespace imgpipe::e2e {
namespace {

const std::string kUnknownId = "00000000-0000-4000-8000-000000000000";

class Errors : public ::testing::Test {
protected:
    void SetUp() override { server_.start(); }
    void TearDown() override {
        EXPECT_EQ(http_get(server_.url("/health")).status, 200) << "server unhealthy after the test";
    }

    // Asserts status, JSON error shape and code; returns the message.
    std::string expect_error(const HttpResponse& r, long status, const std::string& code) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.header("content-type"), "application/json");
        const auto j = r.json();
        EXPECT_TRUE(j.contains("error")) << r.body;
        if (!j.contains("error")) return "";
        EXPECT_EQ(j["error"]["code"], code) << r.body;
        const std::string message = j["error"]["message"];
        EXPECT_FALSE(message.empty());
        EXPECT_EQ(message.find(server_.data_dir()), std::string::npos) << "leaks a path: " << message;
        return message;
    }
    size_t stored_objects() const { return server_.stored_objects(); }
    std::string upload_ok() {
        const auto r = http_upload(server_.url("/image/upload/"),
                                   {"file", test::encode(test::photo_like(200, 100), ".jpg"), "a.jpg"});
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json()["id"];
    }
    HttpResponse upload(const std::string& bytes, const std::string& field = "file") {
        return http_upload(server_.url("/image/upload/"), {field, bytes, "x.jpg"});
    }

    ServerProcess server_{{"--max-upload-bytes", "300000", "--max-source-pixels", "1000000",
                           "--max-output-width", "2000", "--max-output-height", "2000", "--max-ops", "8",
                           "--allow-private-networks", "true", "--fetch-timeout-ms", "1500",
                           "--fetch-connect-timeout-ms", "1000"}};
};

TEST_F(Errors, BadChainsAre400AndNameTheOp) {
    const std::string id = upload_ok();
    auto msg = expect_error(http_get(server_.url("/image/" + id + "/rotate:10|rotat:5/")), 400, "invalid_chain");
    EXPECT_NE(msg.find("rotat:5"), std::string::npos) << msg;
    msg = expect_error(http_get(server_.url("/image/" + id + "/scale:0x0/")), 400, "invalid_chain");
    EXPECT_NE(msg.find("scale:0x0"), std::string::npos);
    expect_error(http_get(server_.url("/image/" + id + "/rotate:nan/")), 400, "invalid_chain");
    expect_error(http_get(server_.url("/image/" + id + "/scale:-5x10/")), 400, "invalid_chain");
    expect_error(http_get(server_.url("/image/" + id + "/convert:bmp/")), 400, "invalid_chain");
    std::string nine;
    for (int i = 0; i < 9; ++i) nine += "rotate:1|";
    nine.pop_back();
    expect_error(http_get(server_.url("/image/" + id + "/" + nine + "/")), 400, "too_many_ops");
    EXPECT_EQ(stored_objects(), 1u); // the original only
}

TEST_F(Errors, MissingOrWrongFieldsAre400) {
    expect_error(upload(test::encode(test::quadrants(10, 10), ".png"), "image"), 400, "bad_request");
    expect_error(http_post(server_.url("/image/upload/"), "file=abc",
                           {"Content-Type: application/x-www-form-urlencoded"}), 400, "bad_request");
    const std::string dup = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n"
                            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b\"\r\n\r\ny\r\n--b--\r\n";
    auto msg = expect_error(http_post(server_.url("/image/upload/"), dup,
                                      {"Content-Type: multipart/form-data; boundary=b"}), 400, "bad_request");
    EXPECT_NE(msg.find("more than once"), std::string::npos);
    const std::string cut = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxyz";
    expect_error(http_post(server_.url("/image/upload/"), cut,
                           {"Content-Type: multipart/form-data; boundary=b"}), 400, "bad_request");
    msg = expect_error(http_post(server_.url("/image/link/"), "url=http://x/",
                                 {"Content-Type: application/x-www-form-urlencoded"}), 400, "bad_request");
    EXPECT_NE(msg.find("file_url"), std::string::npos);
    EXPECT_EQ(stored_objects(), 0u);
    EXPECT_TRUE(std::filesystem::is_empty(server_.data_dir() + "/tmp"));
}

TEST_F(Errors, UnknownIdsAndRoutesAre404) {
    expect_error(http_get(server_.url("/image/" + kUnknownId + "/")), 404, "not_found");
    expect_error(http_get(server_.url("/image/" + kUnknownId + "/rotate:10/")), 404, "not_found");
    expect_error(http_get(server_.url("/bytes/" + kUnknownId)), 404, "not_found");
    expect_error(http_get(server_.url("/image/not-an-id/")), 404, "not_found");
    expect_error(http_get(server_.url("/image/..%2f..%2fetc%2fpasswd/")), 404, "not_found");
    expect_error(http_get(server_.url("/nothing/here")), 404, "not_found");
    expect_error(http_get(server_.url("/ui/no-such-file.js")), 404, "not_found");
    expect_error(http_get(server_.url("/ui/..%2f..%2fCMakeLists.txt")), 404, "not_found");
    // "/" is the page now (tests/browser); it is HTML, not an error.
    const auto page = http_get(server_.url("/"));
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
}

TEST_F(Errors, WrongMethodIs405WithAllow) {
    const auto r = http_get(server_.url("/image/upload/"));
    expect_error(r, 405, "method_not_allowed");
    EXPECT_EQ(r.header("allow"), "POST");
    const auto d = http_get(server_.url("/image/" + kUnknownId + "/"), {}, "PUT");
    expect_error(d, 405, "method_not_allowed");
    EXPECT_EQ(d.header("allow"), "GET, HEAD, DELETE");
}

TEST_F(Errors, TooLargeIs413) {
    // Bytes over the upload limit.
    expect_error(upload(std::string(400000, 'x')), 413, "payload_too_large");
    // The same without a Content-Length: a chunked body is cut when it passes the limit.
    const std::string out = raw_exchange(server_.port(), chunked_upload_request(8));
    EXPECT_NE(out.find("413 Payload Too Large"), std::string::npos) << out.substr(0, 300);
    EXPECT_TRUE(std::filesystem::is_empty(server_.data_dir() + "/tmp"));
    // Pixels over the source limit: a small file declaring 2000x1000.
    expect_error(upload(test::encode(vips::VImage::black(2000, 1000), ".png")), 413, "image_too_large");
    // A result over the output limit.
    const std::string id = upload_ok();
    const auto msg = expect_error(http_get(server_.url("/image/" + id + "/scale:100000x100000/")), 413,
                                  "output_too_large");
    EXPECT_NE(msg.find("2000x2000"), std::string::npos) << msg;
    expect_error(http_get(server_.url("/image/" + id + "/scale:2001x/")), 413, "output_too_large");
    EXPECT_EQ(stored_objects(), 1u);
}

TEST_F(Errors, NotImagesAre415) {
    expect_error(upload("hello, I am text"), 415, "unsupported_media_type");
    expect_error(upload(""), 415, "unsupported_media_type");
    expect_error(upload("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"), 415,
                 "unsupported_media_type");
    expect_error(upload("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), 415, "unsupported_media_type");
    EXPECT_EQ(stored_objects(), 0u);
}

TEST_F(Errors, BrokenImagesAre422) {
    const std::string jpeg = test::encode(test::photo_like(300, 200), ".jpg");
    expect_error(upload(jpeg.substr(0, jpeg.size() / 2)), 422, "undecodable_image");
    std::string corrupt = test::encode(test::photo_like(300, 200), ".png");
    for (size_t i = 200; i < corrupt.size() - 100; i += 7) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
    expect_error(upload(corrupt), 422, "undecodable_image");
    EXPECT_EQ(stored_objects(), 0u);
}

TEST_F(Errors, FailedLinkDownloadsAre502) {
    LinkServer links;
    links.on("/hang", [](int fd) { LinkServer::hold_until_closed(fd, std::chrono::seconds(30)); });
    links.redirect("/loop", "/loop");
    links.serve_bytes("/page.html", "<html>hello</html>", "text/html");
    auto link = [&](const std::string& url) {
        return http_post(server_.url("/image/link/"), "file_url=" + url,
                         {"Content-Type: application/x-www-form-urlencoded"});
    };
    expect_error(link(links.url("/missing.jpg")), 502, "fetch_failed");
    const auto t0 = std::chrono::steady_clock::now();
    expect_error(link(links.url("/hang")), 502, "fetch_failed");
    // The fetch deadline is 1.5 s; without it the server would wait for the link (30 s).
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(10000)) << "timeout not applied";
    expect_error(link(links.url("/loop")), 502, "fetch_failed");
    expect_error(link(links.url("/page.html")), 415, "unsupported_media_type");
    expect_error(link("http://127.0.0.1:1/closed.jpg"), 502, "fetch_failed");
    EXPECT_EQ(stored_objects(), 0u);
}

TEST_F(Errors, EndlessLinkIsCutAtTheSizeLimit) {
    LinkServer links;
    links.on("/endless", [](int fd) {
        LinkServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n");
        const std::string chunk(64 * 1024, 'x');
        for (int i = 0; i < 1000; ++i) LinkServer::write_all(fd, chunk); // stops when the peer goes
    });
    expect_error(http_post(server_.url("/image/link/"), "file_url=" + links.url("/endless"),
                           {"Content-Type: application/x-www-form-urlencoded"}), 413, "payload_too_large");
    EXPECT_TRUE(std::filesystem::is_empty(server_.data_dir() + "/tmp"));
}

TEST_F(Errors, PrivateAddressesAndOtherSchemesAreRefusedByDefault) {
    ServerProcess strict;
    strict.start();
    LinkServer links;
    links.serve_bytes("/a.jpg", test::encode(test::quadrants(10, 10), ".jpg"), "image/jpeg");
    auto link = [&](const std::string& url) {
        return http_post(strict.url("/image/link/"), "file_url=" + url,
                         {"Content-Type: application/x-www-form-urlencoded"});
    };
    for (const std::string& url : std::vector<std::string>{links.url("/a.jpg"), "http://localhost:" + std::to_string(links.port()) + "/a.jpg",
                                  "http://169.254.169.254/latest/meta-data/", "http://[::1]:" +
                                  std::to_string(links.port()) + "/a.jpg", "http://0.0.0.0:" +
                                  std::to_string(links.port()) + "/a.jpg", "http://[::ffff:127.0.0.1]:" +
                                  std::to_string(links.port()) + "/a.jpg", "file:///etc/passwd",
                                  "gopher://127.0.0.1/x", "ftp://127.0.0.1/a.jpg"}) {
        const auto r = link(url);
        EXPECT_EQ(r.status, 400) << url << " " << r.body;
        EXPECT_EQ(r.json()["error"]["code"], "url_not_allowed") << url;
    }
    EXPECT_EQ(link("not a url").status, 400);
}

TEST_F(Errors, OverloadIs503AtOnce) {
    ServerProcess busy({"--workers", "1", "--queue", "0"});
    busy.start();
    const auto up = http_upload(busy.url("/image/upload/"),
                                {"file", test::encode(test::photo_like(2000, 2000), ".png[compression=1]"), "big.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    // One slow transform holds the only worker...
    auto slow = std::async(std::launch::async, [&] {
        return http_get(busy.url("/image/" + id + "/rotate:33|convert:avif/"));
    });
    ASSERT_TRUE(wait_until([&] { return http_get(busy.url("/health")).json()["workers_in_flight"] == 1; }));
    // ...so the next one is refused at once, with Retry-After: before the worker is free again.
    const long long waited_ms = time_ms([&] {
        const auto r = http_get(busy.url("/image/" + id + "/rotate:34|convert:avif/"));
        expect_error(r, 503, "overloaded");
        EXPECT_EQ(r.header("retry-after"), "1");
    });
    EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
        << "the refusal waited for the busy worker (" << waited_ms << " ms)";
    EXPECT_LT(waited_ms, 2000);
    EXPECT_EQ(slow.get().status, 201);
}

TEST_F(Errors, ProcessingTimeLimitIs503) {
    ServerProcess hurried({"--processing-timeout-ms", "1"});
    hurried.start();
    const auto up = http_upload(hurried.url("/image/upload/"),
                                {"file", test::encode(test::photo_like(2000, 2000), ".jpg"), "big.jpg"});
    ASSERT_EQ(up.status, 201);
    const auto r = http_get(hurried.url("/image/" + up.json()["id"].get<std::string>() + "/rotate:33|convert:avif/"));
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "timeout");
    // Counted where the pixels were computed: this process, or in cluster mode its workers.
    std::vector<std::string> scrapes;
    if (hurried.workers().empty()) scrapes.push_back(http_get(hurried.url("/metrics")).body);
    for (const auto& w : hurried.workers()) scrapes.push_back(w->metrics());
    const std::string line = "\nimgpipe_timeouts_total{kind=\"pipeline\"} ";
    double timeouts = 0;
    for (const std::string& text : scrapes) {
        const auto at = text.find(line);
        if (at != std::string::npos) timeouts += std::stod(text.substr(at + line.size()));
    }
    EXPECT_GE(timeouts, 1) << scrapes.front();
}

TEST_F(Errors, OversizedBodyIsRefusedFromItsContentLength) {
    // Headers announcing 100 MB and no body at all: the answer comes without reading any of it.
    // Waiting for the body would last until the 15 s idle deadline; the answer comes long before.
    const auto t0 = std::chrono::steady_clock::now();
    const std::string out = raw_exchange(server_.port(),
                                         "POST /image/upload/ HTTP/1.1\r\nHost: x\r\n"
                                         "Content-Type: multipart/form-data; boundary=b\r\n"
                                         "Content-Length: 104857600\r\n\r\n", 30000);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(7000));
    EXPECT_NE(out.find("413 Payload Too Large"), std::string::npos) << out;
    EXPECT_NE(out.find("\"payload_too_large\""), std::string::npos) << out;
}

TEST_F(Errors, SlowHeadersAreCutAtTheDeadline) {
    ServerProcess strict({"--header-timeout-ms", "300"});
    strict.start();
    const auto t0 = std::chrono::steady_clock::now();
    const std::string out = raw_exchange(strict.port(), "GET /health HTTP/1.1\r\nHost: x\r\n", 30000);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_TRUE(out.empty()) << out;
    EXPECT_GE(took, std::chrono::milliseconds(250));
    // The default deadline is 10 s: cut well before it is the 300 ms one, with slack for a slow machine.
    EXPECT_LT(took, std::chrono::milliseconds(5000)) << "connection kept open past the header deadline";
    EXPECT_EQ(http_get(strict.url("/health")).status, 200);
}

TEST_F(Errors, MalformedHttpIs400) {
    const std::string out = raw_exchange(server_.port(), "GARBAGE\r\n\r\n");
    EXPECT_NE(out.find("400 Bad Request"), std::string::npos) << out;
    EXPECT_NE(out.find("\"bad_request\""), std::string::npos) << out;
    const std::string huge = raw_exchange(server_.port(), "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
    EXPECT_NE(huge.find("431 Request Header Fields Too Large"), std::string::npos) << huge.substr(0, 200);
}

} // namespace
} // namespace imgpipe::e2e
