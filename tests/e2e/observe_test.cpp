// Observability end to end: the access log (one parseable line per request, no secret in any
// line), X-Request-Id, /ready and /metrics (checked by Prometheus's own promtool). One process, two
// servers started once (observe_world below), one ctest entry.
#include "e2e/harness.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

namespace imgpipe::e2e {
namespace {

const std::string kApiKey = "observe-api-key-0123456789";
const std::string kSecret = "observe-link-secret-0123456789";

// A server whose log (stderr) goes to a file of its own.
struct LoggedServer {
    std::string dir = make_temp_dir("imgpipe-observe");
    std::string log = dir + "/log.jsonl";
    ChildProcess process;
    int port = 0;

    explicit LoggedServer(const std::vector<std::string>& flags) {
        std::vector<std::string> argv{imgpipe_binary(), "serve", "--port", "0", "--data", dir + "/data"};
        argv.insert(argv.end(), flags.begin(), flags.end());
        const std::string line = process.start(argv, "listening on", false, log);
        port = std::stoi(line.substr(line.rfind(':') + 1));
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
    std::vector<nlohmann::json> lines() const {
        std::ifstream in(log);
        std::vector<nlohmann::json> out;
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            EXPECT_FALSE(j.is_discarded()) << "not a JSON line: " << line;
            if (!j.is_discarded()) out.push_back(j);
        }
        return out;
    }
    std::string raw_log() const { return test::read_file(log); }
};

LoggedServer& server() {
    static LoggedServer s({"--log-format", "json", "--api-keys", kApiKey, "--secret", kSecret});
    return s;
}

// One worker, no queue, a short time limit: overloads and timeouts on demand.
LoggedServer& tight_server() {
    static LoggedServer s({"--log-format", "json", "--workers", "1", "--queue", "0",
                           "--processing-timeout-ms", "300"});
    return s;
}

std::string png(int w = 64, int h = 48) { return test::encode(test::photo_like(w, h), ".png"); }

// The access lines of one request. The server writes a line after the answer's last byte, so the
// client can be quicker than the log: wait for it (up to 5 s).
std::vector<nlohmann::json> request_lines(const LoggedServer& s, const std::string& id) {
    std::vector<nlohmann::json> out;
    for (int attempt = 0; attempt < 100 && out.empty(); ++attempt) {
        if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        for (const auto& l : s.lines()) {
            if (l.value("msg", "") == "request" && l.value("request_id", "") == id) out.push_back(l);
        }
    }
    return out;
}

double sample(const std::string& scrape, const std::string& series) {
    const auto at = scrape.find("\n" + series + " ");
    return at == std::string::npos ? -1.0 : std::stod(scrape.substr(at + series.size() + 2));
}

// A scrape in which `series` has reached `value` (counted after each answer is sent: wait for it).
std::string scrape_when(const LoggedServer& s, const std::string& series, double value) {
    std::string text;
    for (int attempt = 0; attempt < 100; ++attempt) {
        text = http_get(s.url("/metrics")).body;
        if (sample(text, series) >= value) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return text;
}

TEST(Observe, OneParseableAccessLineForEveryRequestWithWhatHappened) {
    LoggedServer& s = server();
    const std::string auth = "Authorization: Bearer " + kApiKey;
    struct Expect {
        std::string id;
        int status;
        std::string outcome, route;
    };
    std::vector<Expect> expected;
    auto rid = [](const std::string& name) { return "obs-" + name; };

    auto up = http_upload(s.url("/image/upload/"), {"file", png(), "a.png"}, {});
    // http_upload sends no headers of ours: this one is refused for its missing key.
    EXPECT_EQ(up.status, 401);
    const std::string refused_id = up.header("x-request-id");
    ASSERT_FALSE(refused_id.empty());
    expected.push_back({refused_id, 401, "unauthorized", "upload"});

    std::string body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                       "Content-Type: image/png\r\n\r\n" + png() + "\r\n--b--\r\n";
    up = http_post(s.url("/image/upload/"), body,
                   {auth, "Content-Type: multipart/form-data; boundary=b", "X-Request-Id: " + rid("upload")});
    ASSERT_EQ(up.status, 201) << up.body;
    EXPECT_EQ(up.header("x-request-id"), rid("upload"));
    expected.push_back({rid("upload"), 201, "created", "upload"});
    const std::string id = up.json()["id"];

    auto t = http_get(s.url("/image/" + id + "/scale:32x|convert:webp/"), {"X-Request-Id: " + rid("created")});
    EXPECT_EQ(t.status, 201) << t.body;
    expected.push_back({rid("created"), 201, "created", "image"});
    t = http_get(s.url("/image/" + id + "/scale:32x|convert:webp/"), {"X-Request-Id: " + rid("stored")});
    EXPECT_EQ(t.status, 200) << t.body;
    expected.push_back({rid("stored"), 200, "stored", "image"});
    const std::string signed_url = t.json()["url"];

    auto b = http_get(signed_url, {"X-Request-Id: " + rid("bytes")});
    EXPECT_EQ(b.status, 200);
    expected.push_back({rid("bytes"), 200, "stored", "bytes"});
    auto nm = http_get(signed_url, {"X-Request-Id: " + rid("304"), "If-None-Match: " + b.header("etag")});
    EXPECT_EQ(nm.status, 304);
    EXPECT_EQ(nm.header("x-request-id"), rid("304"));
    expected.push_back({rid("304"), 304, "not_modified", "bytes"});
    auto head = http_get(signed_url, {"X-Request-Id: " + rid("head")}, "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("x-request-id"), rid("head"));
    expected.push_back({rid("head"), 200, "stored", "bytes"});

    auto nf = http_get(s.url("/nowhere"), {"X-Request-Id: " + rid("404")});
    EXPECT_EQ(nf.status, 404);
    EXPECT_EQ(nf.json()["error"]["request_id"], rid("404"));
    expected.push_back({rid("404"), 404, "not_found", "unmatched"});
    auto bad = http_get(s.url("/image/" + id + "/rotate:x/"), {"X-Request-Id: " + rid("400")});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["error"]["request_id"], rid("400"));
    expected.push_back({rid("400"), 400, "invalid_chain", "image"});
    auto tampered = http_get(signed_url.substr(0, signed_url.size() - 4) + "0000", {"X-Request-Id: " + rid("403")});
    EXPECT_EQ(tampered.status, 403);
    expected.push_back({rid("403"), 403, "forbidden", "bytes"});
    auto m405 = http_get(s.url("/health"), {"X-Request-Id: " + rid("405")}, "DELETE");
    EXPECT_EQ(m405.status, 405);
    expected.push_back({rid("405"), 405, "method_not_allowed", "health"});

    // An id that is not sane is replaced (and the replacement is what the log and body carry).
    auto insane = http_get(s.url("/nowhere"), {"X-Request-Id: a b\"c"});
    const std::string replaced = insane.header("x-request-id");
    EXPECT_FALSE(replaced.empty());
    EXPECT_EQ(replaced.find(' '), std::string::npos);
    EXPECT_EQ(insane.json()["error"]["request_id"], replaced);
    expected.push_back({replaced, 404, "not_found", "unmatched"});

    for (const auto& e : expected) {
        const auto lines = request_lines(s, e.id);
        ASSERT_EQ(lines.size(), 1u) << "request " << e.id << " should have exactly one access line";
        const auto& l = lines[0];
        EXPECT_EQ(l["status"], e.status) << l;
        EXPECT_EQ(l["outcome"], e.outcome) << l;
        EXPECT_EQ(l["route"], e.route) << l;
        for (const char* field : {"time", "level", "method", "path", "bytes_in", "bytes_out", "duration_ms", "remote"}) {
            EXPECT_TRUE(l.contains(field)) << field << " missing in " << l;
        }
        EXPECT_GE(l["duration_ms"].get<double>(), 0.0);
    }
    EXPECT_GT(request_lines(s, rid("upload"))[0]["bytes_in"].get<int>(), 1000);
    EXPECT_EQ(request_lines(s, rid("bytes"))[0]["bytes_out"], b.body.size());
    EXPECT_EQ(request_lines(s, rid("head"))[0]["bytes_out"], 0);

    // No secret in any line: the API key, the link secret, link and transform signatures.
    const std::string log = s.raw_log();
    const auto q = signed_url.find("signature=");
    ASSERT_NE(q, std::string::npos);
    const std::string signature = signed_url.substr(q + 10);
    EXPECT_EQ(log.find(kApiKey), std::string::npos);
    EXPECT_EQ(log.find(kSecret), std::string::npos);
    EXPECT_EQ(log.find(signature), std::string::npos);
    EXPECT_NE(log.find("signature=REDACTED"), std::string::npos);
}

TEST(Observe, OverloadsAndTimeoutsAreAnsweredLoggedAndCounted) {
    LoggedServer& s = tight_server();
    auto up = http_upload(s.url("/image/upload/"), {"file", png(200, 150), "a.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    // Each chain is distinct (no coalescing) and slow: one runs, the others find no room.
    std::vector<std::future<HttpResponse>> calls;
    for (int i = 0; i < 6; ++i) {
        calls.push_back(std::async(std::launch::async, [&s, &id, i] {
            return http_get(s.url("/image/" + id + "/scale:8000x6000|blur:" + std::to_string(40 + i) + "/"),
                            {"X-Request-Id: load-" + std::to_string(i)});
        }));
    }
    std::map<std::string, int> codes;
    for (auto& c : calls) {
        const auto r = c.get();
        EXPECT_EQ(r.status, 503) << r.body;
        const std::string code = r.json()["error"]["code"];
        // Worth retrying soon: a full queue; a transform over its time limit would only time out again.
        EXPECT_EQ(r.header("retry-after"), code == "overloaded" ? "1" : "") << code;
        codes[code]++;
    }
    EXPECT_GE(codes["overloaded"], 1);
    EXPECT_GE(codes["timeout"], 1);
    std::map<std::string, int> logged;
    for (int i = 0; i < 6; ++i) {
        const auto lines = request_lines(s, "load-" + std::to_string(i));
        ASSERT_EQ(lines.size(), 1u);
        EXPECT_EQ(lines[0]["status"], 503);
        logged[lines[0]["outcome"]]++;
    }
    EXPECT_EQ(logged, codes);
    const std::string scrape = scrape_when(s, "imgpipe_http_requests_total{route=\"image\",code=\"5xx\"}", 6);
    EXPECT_EQ(sample(scrape, "imgpipe_http_requests_total{route=\"image\",code=\"5xx\"}"), 6) << scrape;
    EXPECT_EQ(sample(scrape, "imgpipe_overloaded_total"), codes["overloaded"]) << scrape;
}

TEST(Observe, MetricsPassPromtoolAndCountTheRequests) {
    LoggedServer& s = server();
    const std::string health = "imgpipe_http_requests_total{route=\"health\",code=\"2xx\"}";
    const double before = std::max(0.0, sample(http_get(s.url("/metrics")).body, health));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(http_get(s.url("/health")).status, 200);
    scrape_when(s, health, before + 3);
    const auto scrape = http_get(s.url("/metrics"));
    EXPECT_EQ(scrape.status, 200);
    EXPECT_EQ(scrape.header("content-type"), "text/plain; version=0.0.4");
    const std::string file = s.dir + "/scrape.txt";
    test::write_file(file, scrape.body);
    int rc = -1;
    const std::string out = run_command("promtool check metrics < " + file + " 2>&1", &rc);
    EXPECT_EQ(rc, 0) << out << "\n" << scrape.body;
    for (const char* family :
         {"imgpipe_http_requests_total", "imgpipe_http_request_duration_seconds_bucket", "imgpipe_http_requests_in_flight",
          "imgpipe_http_received_bytes_total", "imgpipe_http_sent_bytes_total", "imgpipe_transforms_total",
          "imgpipe_allocator_free_bytes", "imgpipe_allocator_live_bytes"}) {
        EXPECT_NE(scrape.body.find(std::string("\n") + family), std::string::npos) << family;
    }
    EXPECT_EQ(sample(scrape.body, health), before + 3) << scrape.body;
    EXPECT_GE(sample(scrape.body, "imgpipe_http_requests_in_flight"), 1) << "the scrape itself";
}

TEST(Observe, ReadyAnswersForLoadBalancers) {
    LoggedServer& s = server();
    const auto r = http_get(s.url("/ready"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["status"], "ready");
    EXPECT_EQ(r.json()["storage"], "ok");
    EXPECT_EQ(r.json()["workers"], "local");
    EXPECT_FALSE(r.header("x-request-id").empty());
}

TEST(Observe, LogOptionsAreChecked) {
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--log-format", "xml"}, {"--log-level", "loud"}}) {
        int rc = -1;
        const std::string out = run_command(imgpipe_binary() + " serve --port 0 " + bad[0] + " " + bad[1] + " 2>&1", &rc);
        EXPECT_EQ(rc, 2) << out;
        EXPECT_NE(out.find(bad[0].substr(2)), std::string::npos) << out;
    }
    // Text lines for a terminal, and a level that leaves the access lines out.
    LoggedServer text({"--log-format", "text", "--log-level", "warn"});
    EXPECT_EQ(http_get(text.url("/health"), {"X-Request-Id: quiet-one"}).status, 200);
    LoggedServer plain({"--log-format", "text"});
    EXPECT_EQ(http_get(plain.url("/health"), {"X-Request-Id: plain-one"}).status, 200);
    text.process.stop();
    plain.process.stop();
    EXPECT_EQ(text.raw_log().find("quiet-one"), std::string::npos) << text.raw_log();
    const std::string log = plain.raw_log();
    EXPECT_NE(log.find("request request_id=plain-one"), std::string::npos) << log;
    EXPECT_EQ(log.find("{\"time\""), std::string::npos) << log;
}

} // namespace
} // namespace imgpipe::e2e
