// The S3 server stops answering in the middle of a run of uploads and transforms (the store server is
// frozen with SIGSTOP, so connections hang as they do when S3 is unreachable), then comes back.
// Requests during the outage get 503 with JSON, none gets another 5xx, the service recovers
// without a restart, and every upload acknowledged with 201 is intact afterwards.
#include "e2e/harness.h"
#include "support/s3_servers.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <thread>

namespace imgpipe::e2e {
namespace {

using Clock = std::chrono::steady_clock;

struct Unpause {
    ~Unpause() { test::s3_pause(test::s3_store(), false); } // whatever happens, the server runs again
};

TEST(S3Outage, NothingAcknowledgedIsLostAndServiceRecovers) {
    ServerProcess server({"--s3-connect-timeout-ms", "300", "--s3-timeout-ms", "800", "--s3-attempts", "2"});
    server.start();
    const auto first = http_upload(server.url("/image/upload/"),
                                   {"file", test::encode(test::photo_like(320, 240, 7), ".jpg"), "base.jpg"});
    ASSERT_EQ(first.status, 201) << first.body;
    const std::string base = first.json()["id"];

    struct Acked {
        std::string id, etag, md5;
    };
    std::vector<Acked> acked;
    int sent = 0, ok = 0, unavailable = 0, other_5xx = 0, not_json = 0, ok_after = 0;
    Unpause unpause_at_exit;
    int i = 0;
    // One request (an upload or a new variant, alternately), tallied.
    auto one = [&](bool after_recovery) {
        HttpResponse r;
        std::string bytes;
        if (i % 2 == 0) {
            bytes = test::encode(test::quadrants(32 + i % 50, 24), ".png");
            r = http_upload(server.url("/image/upload/"), {"file", bytes, "u.png"});
        } else {
            r = http_get(server.url("/image/" + base + "/scale:" + std::to_string(40 + i) + "x|convert:webp/"));
        }
        ++sent;
        const bool json = r.header("content-type") == "application/json" && nlohmann::json::accept(r.body);
        not_json += !json;
        if (r.status >= 200 && r.status < 300) {
            ++ok;
            ok_after += after_recovery;
            if (r.status == 201 && i % 2 == 0) acked.push_back({r.json()["id"], r.json()["etag"], md5_of(bytes)});
        } else if (r.status == 503) {
            ++unavailable;
            EXPECT_TRUE(json && r.json()["error"]["code"] == "storage_unavailable") << r.body;
        } else if (r.status >= 500) {
            ++other_5xx;
            ADD_FAILURE() << "unexpected " << r.status << ": " << r.body;
        }
        ++i;
    };
    // Each phase lasts until enough has happened in it (a count, not a time, so that a slower
    // machine gets the same test), with a cap that only a defect reaches.
    auto run_until = [&](const std::function<bool()>& enough, bool after_recovery, const char* phase) {
        const auto start = Clock::now();
        while (!enough()) {
            if (Clock::now() - start > std::chrono::seconds(60)) {
                ADD_FAILURE() << "the " << phase << " phase did not complete in 60 s";
                return;
            }
            one(after_recovery);
        }
    };
    run_until([&] { return ok >= 6; }, false, "before the outage");
    test::s3_pause(test::s3_store(), true);
    const int unavailable_before = unavailable;
    run_until([&] { return unavailable - unavailable_before >= 6; }, false, "outage");
    // A load balancer takes the node out while its store does not answer, and back after.
    const auto not_ready = http_get(server.url("/ready"));
    EXPECT_EQ(not_ready.status, 503) << not_ready.body;
    EXPECT_EQ(not_ready.json()["error"]["code"], "storage_unavailable") << not_ready.body;
    EXPECT_EQ(not_ready.header("retry-after"), "1");
    test::s3_pause(test::s3_store(), false);
    run_until([&] { return ok_after >= 6; }, true, "recovery");
    const auto ready = http_get(server.url("/ready"));
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_EQ(ready.json()["storage"], "ok");
    // Every acknowledged upload is there, byte for byte.
    int lost = 0;
    for (const auto& a : acked) {
        const auto b = http_get(server.url("/bytes/" + a.id));
        const bool intact = b.status == 200 && "\"" + md5_of(b.body) + "\"" == a.etag &&
                            md5_of(b.body) == a.md5;
        lost += !intact;
    }
    std::cout << "S3 outage: requests " << sent << ", 2xx " << ok << ", 503 " << unavailable
              << ", other 5xx " << other_5xx << ", non-JSON answers " << not_json << ", uploads acknowledged "
              << acked.size() << ", lost " << lost << ", 2xx after recovery " << ok_after << "\n";
    RecordProperty("requests", sent);
    RecordProperty("unavailable_503", unavailable);
    RecordProperty("lost", lost);
    EXPECT_GT(unavailable, 0) << "the outage was not noticed";
    EXPECT_EQ(other_5xx, 0);
    EXPECT_EQ(not_json, 0);
    EXPECT_EQ(lost, 0);
    EXPECT_GE(ok_after, 6) << "the service did not recover";
    EXPECT_EQ(http_get(server.url("/image/" + base + "/")).status, 200);
}

} // namespace
} // namespace imgpipe::e2e
