// Hostile inputs, second pass: tiny files that declare far more than they hold must cost tiny
// work (refused before any decoder allocates for what they declare), and valid files in variants
// the decoders do not read are named as such, not called corrupt. The offline `imgpipe transform`
// answers every one of them with the same JSON as the HTTP API.
#include "e2e/harness.h"
#include "e2e/tiny_bombs.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

namespace imgpipe::e2e {
namespace {

using namespace std::chrono_literals;

// The server's peak resident memory so far (VmHWM), in kB.
long peak_rss_kb(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

// One server with the default limits (50 MP sources, 50 MB uploads): what people run.
ServerProcess& server() {
    static ServerProcess s;
    if (!s.running()) s.start();
    return s;
}

HttpResponse upload(const std::string& bytes) {
    return http_upload(server().url("/image/upload/"), {"file", bytes, "x.bin"});
}

struct Answer {
    long status = 0;
    std::string code, body;
    long long ms = 0;
};

TEST(TinyBombs, AreRefusedQuicklyWithLittleMemoryEvenSeveralAtOnce) {
    ServerProcess& s = server();
    // Warm the server up with real work, then take the memory high-water mark as the baseline.
    const auto ok = upload(test::encode(test::photo_like(1200, 900), ".jpg"));
    ASSERT_EQ(ok.status, 201) << ok.body;
    const size_t stored_before = s.stored_objects();
    // The time unit of this machine: the cheapest refusal there is (not an image at all).
    std::vector<long long> plain;
    for (int i = 0; i < 7; ++i) plain.push_back(time_ms([] { upload("just some text, no image"); }));
    std::sort(plain.begin(), plain.end());
    const long long budget_ms = std::max(100LL, 20 * plain[3]);
    // The zTXt bomb is 20 KB that the check inflates up to its 16 MB cap: its budget adds four times
    // what that inflating takes here.
    const std::string sixteen_mb(16 << 20, 'a');
    uLongf packed_size = compressBound(sixteen_mb.size());
    std::string packed(packed_size, '\0');
    compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(sixteen_mb.data()),
              sixteen_mb.size(), 9);
    std::string unpacked(sixteen_mb.size(), '\0');
    const long long inflate_ms = time_ms([&] {
        uLongf n = unpacked.size();
        uncompress(reinterpret_cast<Bytef*>(unpacked.data()), &n, reinterpret_cast<const Bytef*>(packed.data()),
                   packed_size);
    });
    const long baseline_kb = peak_rss_kb(s.pid());
    ASSERT_GT(baseline_kb, 0);

    const auto cases = bombs::tiny_bombs();
    constexpr int kClients = 4;
    std::vector<std::vector<Answer>> answers(kClients, std::vector<Answer>(cases.size()));
    {
        std::vector<std::jthread> clients; // joined on every path
        for (int c = 0; c < kClients; ++c) {
            clients.emplace_back([&, c] {
                for (size_t k = 0; k < cases.size(); ++k) {
                    const size_t i = (k + static_cast<size_t>(c) * 7) % cases.size(); // each its own order
                    Answer& a = answers[c][i];
                    try {
                        HttpResponse r;
                        a.ms = time_ms([&] { r = upload(cases[i].bytes); });
                        a.status = r.status;
                        a.body = r.body;
                        a.code = r.json()["error"]["code"];
                    } catch (const std::exception& e) {
                        a.body = std::string("no JSON answer: ") + e.what();
                    }
                }
            });
        }
    }
    long long slowest = 0;
    std::string slowest_case;
    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(cases[i].name);
        EXPECT_LT(cases[i].name == "PngZtxtInflatingPastTheCap" ? 0u : cases[i].bytes.size(), 1024u);
        for (int c = 0; c < kClients; ++c) {
            const Answer& a = answers[c][i];
            EXPECT_EQ(a.status, cases[i].status) << a.body;
            EXPECT_EQ(a.code, cases[i].code) << a.body;
            const long long budget = budget_ms + (cases[i].name == "PngZtxtInflatingPastTheCap" ? 4 * inflate_ms : 0);
            EXPECT_LT(a.ms, budget) << "took " << a.ms << " ms (a plain refusal takes " << plain[3] << " ms here)";
            if (a.ms > slowest) slowest = a.ms, slowest_case = cases[i].name;
        }
    }
    const long grown_kb = peak_rss_kb(s.pid()) - baseline_kb;
    EXPECT_LT(grown_kb, 50 * 1024) << "peak RSS grew by " << grown_kb / 1024 << " MB";
    EXPECT_EQ(http_get(s.url("/health")).status, 200);
    EXPECT_EQ(s.stored_objects(), stored_before) << "a refused file was stored";
    std::printf("[ FIGURES  ] %zu tiny bombs x %d clients at once: slowest refusal %lld ms (%s; budget %lld ms, a "
                "plain refusal %lld ms, inflating 16 MB %lld ms), peak RSS +%ld kB\n",
                cases.size(), kClients, slowest, slowest_case.c_str(), budget_ms, plain[3], inflate_ms, grown_kb);
}

TEST(TinyBombs, PngWithOrdinaryMetadataIsStillAccepted) {
    // The checks must not refuse what is fine: text, compressed text, a small ICC-like blob.
    const std::string note(3000, 'n');
    const std::string png = bombs::png_with(bombs::png_chunk("tEXt", std::string("Comment\0", 8) + note) +
                                            bombs::png_chunk("tIME", std::string(7, '\x01')));
    const auto r = upload(png);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json()["width"], 16);
}

TEST(UnsupportedVariants, AreNamedAndNotCalledCorrupt) {
    for (const auto& v : bombs::unsupported_variants()) {
        SCOPED_TRACE(v.name);
        const auto r = upload(v.bytes);
        EXPECT_EQ(r.status, 422) << r.body;
        EXPECT_EQ(r.header("content-type"), "application/json");
        if (r.header("content-type") != "application/json") continue;
        EXPECT_EQ(r.json()["error"]["code"], "unsupported_variant") << r.body;
        const std::string message = r.json()["error"]["message"];
        EXPECT_NE(message.find(v.says), std::string::npos) << message;
        EXPECT_NE(message.find("is not supported"), std::string::npos) << message;
        EXPECT_EQ(message.find("corrupt"), std::string::npos) << message;
    }
}

TEST(OfflineTransform, AnswersWithTheSameJsonAsTheApi) {
    const std::string dir = make_temp_dir("imgpipe-cli-errors");
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& b : bombs::tiny_bombs()) inputs.emplace_back(b.name, b.bytes);
    for (const auto& v : bombs::unsupported_variants()) inputs.emplace_back(v.name, v.bytes);
    inputs.emplace_back("Text", "not an image at all");
    std::string truncated = test::encode(test::photo_like(300, 200), ".png");
    truncated.resize(truncated.size() / 2);
    inputs.emplace_back("TruncatedPng", truncated);
    for (const auto& [name, bytes] : inputs) {
        SCOPED_TRACE(name);
        test::write_file(dir + "/in", bytes);
        int rc = 0;
        const std::string err =
            run_command(imgpipe_binary() + " transform " + dir + "/in " + dir + "/out.png 'scale:50x' 2>&1",
                        &rc);
        EXPECT_EQ(rc, 1) << err;
        const auto api = upload(bytes);
        // The same error, word for word; the API's also names its request (the CLI has none).
        auto cli_error = nlohmann::json::parse(err.substr(0, err.find('\n')), nullptr, false);
        auto api_error = nlohmann::json::parse(api.body, nullptr, false);
        ASSERT_FALSE(cli_error.is_discarded()) << err;
        ASSERT_FALSE(api_error.is_discarded()) << api.body;
        EXPECT_FALSE(api_error["error"].value("request_id", "").empty()) << api.body;
        api_error["error"].erase("request_id");
        EXPECT_EQ(cli_error, api_error) << "the CLI and the API word the refusal differently";
    }
    int rc = 0;
    const std::string missing = run_command(imgpipe_binary() + " transform " + dir + "/nothing " + dir +
                                                "/out.png 'scale:50x' 2>&1", &rc);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(missing.find("\"not_found\""), std::string::npos) << missing;
    std::filesystem::remove_all(dir);
}

TEST(OfflineTransform, OutputNamesAreCheckedAndDashIsStandardOutput) {
    const std::string dir = make_temp_dir("imgpipe-cli-output");
    test::write_file(dir + "/in.png", test::encode(test::quadrants(64, 48), ".png"));
    const std::string cli = imgpipe_binary() + " transform " + dir + "/in.png ";
    int rc = 0;
    // Unwritable: a JSON error and exit 1, not std::terminate.
    std::string out = run_command(cli + dir + "/no/such/dir/out.png 'scale:32x' 2>&1", &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("\"bad_request\""), std::string::npos) << out;
    EXPECT_NE(out.find("cannot write the output file"), std::string::npos) << out;
    // An extension imgpipe cannot write is refused, not silently JPEG.
    out = run_command(cli + dir + "/out.xyz 'scale:32x' 2>&1", &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("'.xyz'"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir + "/out.xyz"));
    // ... unless a convert op names the format.
    out = run_command(cli + dir + "/out.xyz 'scale:32x|convert:webp' 2>&1", &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(test::loader_of(test::decode(test::read_file(dir + "/out.xyz"))), "webpload_buffer");
    // "-": the image on standard output (the source's format without a convert), the summary on
    // standard error.
    out = run_command(cli + "- 'scale:32x' 2>/dev/null", &rc);
    EXPECT_EQ(rc, 0);
    const auto img = test::decode(out);
    EXPECT_EQ(test::loader_of(img), "pngload_buffer");
    EXPECT_EQ(img.width(), 32);
    EXPECT_EQ(img.height(), 24);
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace imgpipe::e2e
