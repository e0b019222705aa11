// The cluster's guarantees (docs/SCALING.md), each against real processes: nats-server with
// max_payload 16 KB, S3 (s3rver), `imgpipe worker`s and two `imgpipe serve --nats` API nodes.
#include "e2e/harness.h"
#include "support/s3_servers.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <vips/vips8>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace imgpipe::e2e {
namespace {

class Cluster : public ::testing::Test {
protected:
    static std::string upload(ServerProcess& s, const std::string& bytes, int node = 0) {
        const auto r = http_upload(s.node_url(node, "/image/upload/"), {"file", bytes, "p.jpg"});
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.json()["id"].get<std::string>() : "";
    }
    static int busy_threads(WorkerProcess& w) {
        try {
            return w.health()["busy"].get<int>();
        } catch (const std::exception&) {
            return -1;
        }
    }
    // Keys under the server's prefix that are not originals, mipmaps or variants.
    static std::vector<std::string> stray_keys(const ServerProcess& s) {
        std::vector<std::string> out;
        std::istringstream lines(test::s3_tool(test::s3_store(), "list '" + s.s3_prefix() + "'"));
        for (std::string key; std::getline(lines, key);) {
            if (key.size() > 7 && key.compare(key.size() - 7, 7, "/upload") == 0) out.push_back(key);
        }
        return out;
    }
};

TEST_F(Cluster, AJobOfAKilledWorkerIsRedoneElsewhereWithinTwoSeconds) {
    ServerProcess s;
    s.start();
    auto& w = s.workers();
    ASSERT_EQ(w.size(), 2u);
    const std::string id = upload(s, test::encode(test::photo_like(2000, 2000), ".jpg"));
    ASSERT_FALSE(id.empty());
    // A transform slow enough to be caught running: AVIF of the full 2000 x 2000.
    auto reply = std::async(std::launch::async, [&] {
        return http_get(s.node_url(1, "/bytes/" + id + "/rotate:33|convert:avif/"));
    });
    int victim = -1;
    ASSERT_TRUE(wait_until([&] {
        for (int i = 0; i < 2; ++i) {
            if (busy_threads(*w[i]) == 1) victim = i;
        }
        return victim >= 0;
    }));
    WorkerProcess& other = *w[1 - victim];
    w[victim]->stop(SIGKILL);
    const auto killed = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_until([&] { return busy_threads(other) == 1; }, std::chrono::seconds(10)))
        << "the job never reached the other worker";
    const auto taken_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - killed).count();
    EXPECT_LT(taken_ms, 2000) << "the other worker took the job " << taken_ms << " ms after the kill";
    std::cout << "[ figures  ] job redelivered " << taken_ms << " ms after SIGKILL\n";
    const auto r = reply.get();
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
    const auto img = test::decode(r.body);
    EXPECT_EQ(test::loader_of(img), "heifload_buffer");
    EXPECT_EQ(other.health()["redelivered"].get<int>(), 1);
    EXPECT_EQ(other.health()["transforms"].get<int>(), 1);
    EXPECT_TRUE(stray_keys(s).empty());
}

TEST_F(Cluster, SimultaneousRequestsAtTwoNodesCostOneTransform) {
    ServerProcess s;
    s.start();
    const std::string id = upload(s, test::encode(test::photo_like(2000, 1500), ".jpg"));
    ASSERT_FALSE(id.empty());
    const std::string path = "/bytes/" + id + "/rotate:21|convert:webp|scale:700x/";
    std::vector<std::future<HttpResponse>> replies;
    for (int i = 0; i < 50; ++i) {
        replies.push_back(std::async(std::launch::async, [&, i] { return http_get(s.node_url(i % 2, path)); }));
    }
    std::set<std::string> bodies;
    for (auto& f : replies) {
        const auto r = f.get();
        ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
        bodies.insert(r.body);
    }
    EXPECT_EQ(bodies.size(), 1u) << "all 50 got the same image";
    EXPECT_EQ(test::decode(*bodies.begin()).width(), 700);
    EXPECT_EQ(s.transforms_computed(), 1) << "transforms in the whole cluster";
}

TEST_F(Cluster, BackPressureIs503WithRetryAfterWithinFiftyMilliseconds) {
    // One worker of one thread, nothing may wait: the cluster holds one job.
    ServerProcess s({"--workers", "1", "--queue", "0"});
    s.start();
    const std::string id = upload(s, test::encode(test::photo_like(2000, 2000), ".png[compression=1]"));
    ASSERT_FALSE(id.empty());
    auto slow = std::async(std::launch::async, [&] {
        return http_get(s.node_url(0, "/image/" + id + "/rotate:33|convert:avif/"));
    });
    ASSERT_TRUE(wait_until([&] { return busy_threads(*s.workers()[0]) == 1; }));
    std::vector<long long> times;
    for (int i = 0; i < 5; ++i) {
        HttpResponse r;
        times.push_back(time_ms([&] {
            r = http_get(s.node_url(i % 2, "/image/" + id + "/rotate:" + std::to_string(40 + i) + "|convert:avif/"));
        }));
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_EQ(r.json()["error"]["code"], "overloaded");
        EXPECT_EQ(r.header("retry-after"), "1");
    }
    EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
        << "the refusals were only answered after the busy worker finished";
    std::sort(times.begin(), times.end());
    std::cout << "[ figures  ] 503 answered in " << times[0] << ".." << times.back() << " ms (median " << times[2] << ")\n";
    EXPECT_LT(times[2], 50) << "median time to the 503";
    EXPECT_EQ(slow.get().status, 201);
}

TEST_F(Cluster, BrokerOutageIs503AtOnceStoredImagesStillServeAndItRecovers) {
    ServerProcess s;
    s.start();
    const std::string original = test::encode(test::photo_like(600, 400), ".jpg");
    const std::string id = upload(s, original);
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(http_get(s.url("/image/" + id + "/scale:100x/")).status, 201);
    for (int node = 0; node < 2; ++node) {
        const auto ready = http_get(s.node_url(node, "/ready"));
        EXPECT_EQ(ready.status, 200) << ready.body;
        EXPECT_EQ(ready.json()["workers"], "ok");
    }

    s.nats()->stop(SIGKILL);
    // The API nodes notice a dead connection at once or at the next ping (1 s, 2 missed).
    ASSERT_TRUE(wait_until([&] {
        return http_get(s.node_url(0, "/image/" + id + "/scale:120x/")).status == 503 &&
               http_get(s.node_url(1, "/image/" + id + "/scale:121x/")).status == 503;
    }, std::chrono::seconds(15)));
    for (int node = 0; node < 2; ++node) {
        HttpResponse r;
        const long long ms = time_ms([&] { r = http_get(s.node_url(node, "/image/" + id + "/scale:130x/")); });
        EXPECT_EQ(r.status, 503);
        EXPECT_EQ(r.json()["error"]["code"], "workers_unavailable");
        EXPECT_EQ(r.header("retry-after"), "1");
        EXPECT_LT(ms, 1000) << "refused at once";
        // Stored objects and metadata still serve.
        EXPECT_EQ(http_get(s.node_url(node, "/bytes/" + id)).body, original);
        EXPECT_EQ(http_get(s.node_url(node, "/image/" + id + "/scale:100x/")).status, 200);
        const auto up = http_upload(s.node_url(node, "/image/upload/"), {"file", original, "again.jpg"});
        EXPECT_EQ(up.status, 503);
        EXPECT_EQ(up.json()["error"]["code"], "workers_unavailable");
    }
    for (auto& w : s.workers()) EXPECT_EQ(w->health()["status"], "nats_unavailable");
    // A load balancer takes the API nodes out while their worker tier is unreachable.
    for (int node = 0; node < 2; ++node) {
        const auto ready = http_get(s.node_url(node, "/ready"));
        EXPECT_EQ(ready.status, 503) << ready.body;
        EXPECT_EQ(ready.json()["error"]["code"], "workers_unavailable");
    }

    s.nats()->start(); // same port, same store directory
    ASSERT_TRUE(wait_until([&] {
        return http_get(s.node_url(0, "/image/" + id + "/scale:140x/")).status == 201;
    }, std::chrono::seconds(30))) << "did not recover by itself";
    EXPECT_EQ(http_get(s.node_url(1, "/image/" + id + "/scale:141x/")).status, 201);
    EXPECT_EQ(upload(s, original, 1).empty(), false);
    for (auto& w : s.workers()) EXPECT_EQ(w->health()["status"], "ok");
    EXPECT_EQ(http_get(s.node_url(0, "/ready")).status, 200);
    EXPECT_EQ(http_get(s.node_url(1, "/ready")).status, 200);

    // A broker that comes back without its storage (no stream, no consumer): made again.
    s.nats()->stop(SIGKILL);
    s.nats()->forget_streams();
    s.nats()->start();
    ASSERT_TRUE(wait_until([&] {
        return http_get(s.node_url(1, "/image/" + id + "/scale:150x/")).status == 201;
    }, std::chrono::seconds(30))) << "did not recover from a broker without its streams";
    EXPECT_EQ(http_get(s.node_url(0, "/image/" + id + "/scale:151x/")).status, 201);
}

TEST_F(Cluster, AProcessOnAnotherStoreIsRefusedAtStart) {
    ServerProcess s;
    s.start();
    const test::S3Server other = test::s3_server(test::s3_store());
    int code = 0;
    const std::string out = run_command(
        imgpipe_binary() + " worker --nats " + s.nats()->url() + " --cluster " +
            s.cluster_name() + " --data " + make_temp_dir("imgpipe-stray") + " --storage s3://" + other.bucket +
            "/another-prefix/ --s3-endpoint " + other.endpoint + " --aws-access-key-id " + other.key +
            " --aws-secret-access-key " + other.secret + " 2>&1",
        &code);
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("same --storage"), std::string::npos) << out;
}

// The load test: a worker SIGKILLed every 2 s (and started again) while 100 clients ask
// for new variants and upload. Every request is answered 2xx or an explicit 503; every
// acknowledged object is intact; nothing half-made is left in the store.
TEST_F(Cluster, WorkerKilledEveryTwoSecondsUnderLoadCostsNoRequest) {
    ServerProcess s;
    s.start();
    const std::string source = test::encode(test::photo_like(1200, 900), ".jpg");
    const std::string id = upload(s, source);
    ASSERT_FALSE(id.empty());
    const std::string small = test::encode(test::photo_like(300, 200, 7), ".jpg");

    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, overloaded{0}, next_angle{1};
    std::mutex mutex;
    std::vector<std::string> failures;
    std::map<std::string, int> variants; // path -> expected width
    std::vector<std::string> uploads;
    auto fail = [&](const std::string& what) {
        std::lock_guard lock(mutex);
        failures.push_back(what);
    };
    std::vector<std::jthread> clients;
    for (int c = 0; c < 100; ++c) {
        clients.emplace_back([&, c] {
            try {
                for (int i = 0; !stop; ++i) {
                    HttpResponse r;
                    std::string path;
                    if ((c + i) % 5 == 0) {
                        r = http_upload(s.url("/image/upload/"), {"file", small, "s.jpg"});
                    } else {
                        const int angle = next_angle++;
                        path = "/image/" + id + "/rotate:" + std::to_string(angle % 359 + 1) + "|scale:" +
                               std::to_string(100 + angle / 359) + "x/";
                        r = http_get(s.url(path));
                    }
                    if (r.status == 503 && r.json()["error"]["code"] == "overloaded" && r.header("retry-after") == "1") {
                        ++overloaded;
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                        continue;
                    }
                    if (r.status != 200 && r.status != 201) {
                        fail(std::to_string(r.status) + " " + r.body.substr(0, 200));
                        continue;
                    }
                    ++ok;
                    std::lock_guard lock(mutex);
                    if (path.empty()) {
                        uploads.push_back(r.json()["id"]);
                    } else {
                        variants[r.json()["id"]] = r.json()["width"];
                    }
                }
            } catch (const std::exception& e) {
                fail(std::string("client: ") + e.what());
            }
        });
    }
    int kills = 0;
    for (int round = 0; round < 5; ++round) {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        auto& w = *s.workers()[round % 2];
        w.stop(SIGKILL);
        ++kills;
        w.start();
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
    clients.clear();
    std::cout << "[ figures  ] " << kills << " workers killed; " << ok << " requests answered 2xx, "
              << overloaded << " 503 overloaded\n";
    for (const auto& f : failures) ADD_FAILURE() << f;
    EXPECT_GT(ok.load(), 50);
    // Every acknowledged object is whole.
    for (const auto& up : uploads) {
        const auto r = http_get(s.url("/bytes/" + up));
        EXPECT_EQ(md5_of(r.body), md5_of(small)) << up;
    }
    int checked = 0;
    for (const auto& [vid, width] : variants) {
        if (checked++ % 7) continue; // a sample: each one is a GET and a decode
        const auto r = http_get(s.url("/bytes/" + vid));
        ASSERT_EQ(r.status, 200) << vid;
        EXPECT_EQ(test::decode(r.body).width(), width) << vid;
    }
    EXPECT_TRUE(stray_keys(s).empty()) << "a staged upload was left behind";
}

} // namespace
} // namespace imgpipe::e2e
