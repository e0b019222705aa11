// Faults: the server killed with SIGKILL under load, the disk filling up, SIGTERM with requests in
// flight. What was acknowledged must survive intact; what was not must leave nothing visible.
#include "core/hash.h"
#include "e2e/harness.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace imgpipe::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Acked {
    std::string id;
    std::string etag; // what the server answered
    std::string md5;  // of what we sent ("" for a transform)
};

std::string quoted_md5(const std::string& bytes) { return "\"" + md5_hex(bytes) + "\""; }

// Every stored object, walked on disk: blob path -> has metadata.
struct DiskState {
    size_t objects = 0, blobs_without_metadata = 0, metadata_without_blob = 0, temp_files = 0;
};

DiskState disk_state(const std::string& data_dir) {
    DiskState s;
    for (const auto& e : fs::recursive_directory_iterator(data_dir + "/objects")) {
        if (!e.is_regular_file()) continue;
        const fs::path& p = e.path();
        if (p.extension() == ".json") {
            s.metadata_without_blob += !fs::exists(fs::path(p).replace_extension());
        } else {
            ++s.objects;
            s.blobs_without_metadata += !fs::exists(p.string() + ".json");
        }
    }
    for (const auto& e : fs::directory_iterator(data_dir + "/tmp")) s.temp_files += e.is_regular_file();
    return s;
}

// An acknowledged object after the restart: served, and its bytes match its etag (and, for an
// upload, what was sent). Returns what is wrong, or "" when it is intact.
std::string check_intact(ServerProcess& server, const Acked& a) {
    const auto r = http_get(server.url("/bytes/" + a.id));
    if (r.status != 200) return "answered " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
    if (quoted_md5(r.body) != a.etag) return "bytes do not match the acknowledged etag";
    if (!a.md5.empty() && quoted_md5(r.body) != a.md5) return "bytes differ from what was uploaded";
    if (a.md5.empty() && test::decode(r.body).width() <= 0) return "does not decode";
    return "";
}

TEST(Faults, KillNineUnderLoadLosesNothingAcknowledged) {
    const std::string dir = make_temp_dir("imgpipe-kill9");
    const std::vector<std::string> args{"--workers", "2", "--queue", "256"};
    // Distinct uploads: a few base images, made unique by bytes after the end of the JPEG.
    std::vector<std::string> bases;
    for (int i = 0; i < 4; ++i) bases.push_back(test::encode(test::photo_like(1200, 900, i), ".jpg"));
    std::vector<std::string> originals;
    size_t acked_uploads = 0, acked_transforms = 0, failed_requests = 0, temp_files_at_kill = 0;
    size_t orphans_seen_at_kill = 0;
    std::vector<Acked> acked;
    for (int round = 0; round < 3; ++round) {
        ServerProcess server(args, dir);
        server.start();
        if (originals.empty()) {
            for (int i = 0; i < 4; ++i) {
                const auto r = http_upload(server.url("/image/upload/"), {"file", bases[i], "base.jpg"});
                ASSERT_EQ(r.status, 201) << r.body;
                originals.push_back(r.json()["id"]);
                acked.push_back({originals.back(), r.json()["etag"], quoted_md5(bases[i])});
            }
        }
        std::mutex mutex;
        std::atomic<bool> stop{false}, killed{false};
        std::vector<std::jthread> clients; // joined on every path...
        struct StopOnExit {
            std::atomic<bool>& stop;
            ~StopOnExit() { stop = true; } // ...after being told to stop (destroyed before them)
        } stop_on_exit{stop};
        for (int c = 0; c < 100; ++c) {
            clients.emplace_back([&, c] {
                std::mt19937 rng(static_cast<unsigned>(round * 1000 + c));
                for (int n = 0; !stop; ++n) {
                    const bool before_kill = !killed;
                    try {
                        if (c % 2 == 0) {
                            const std::string bytes = bases[rng() % bases.size()] + "round " +
                                                      std::to_string(round) + " client " + std::to_string(c) +
                                                      " upload " + std::to_string(n);
                            const auto r = http_upload(server.url("/image/upload/"), {"file", bytes, "u.jpg"});
                            std::lock_guard lock(mutex);
                            if (r.status == 201) {
                                acked.push_back({r.json()["id"], r.json()["etag"], quoted_md5(bytes)});
                                ++acked_uploads;
                            }
                        } else {
                            const std::string chain = "rotate:" + std::to_string(rng() % 3600 / 10.0) +
                                                      "|scale:" + std::to_string(100 + rng() % 300) + "x";
                            const auto r = http_get(server.url("/image/" + originals[rng() % originals.size()] +
                                                               "/" + chain + "/"));
                            std::lock_guard lock(mutex);
                            if (r.status == 201 || r.status == 200) {
                                acked.push_back({r.json()["id"], r.json()["etag"], ""});
                                ++acked_transforms;
                            }
                        }
                    } catch (const std::exception&) {
                        std::lock_guard lock(mutex);
                        failed_requests += before_kill; // the server died under this request
                    }
                }
            });
        }
        // Kill once this round has done real work, however long that takes on this machine: a
        // fixed sleep gave a slow machine too few acknowledged requests to mean anything.
        const size_t uploads_before = acked_uploads, transforms_before = acked_transforms;
        const bool enough = wait_until([&] {
            std::lock_guard lock(mutex);
            return acked_uploads - uploads_before >= 20 && acked_transforms - transforms_before >= 8;
        }, 120s);
        EXPECT_TRUE(enough) << "round " << round << ": " << acked_uploads - uploads_before << " uploads and "
                            << acked_transforms - transforms_before << " transforms acknowledged in 120 s";
        std::this_thread::sleep_for(300ms); // and let more requests get under way
        killed = true;
        EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
        stop = true;
        for (auto& t : clients) t.join();
        const DiskState at_kill = disk_state(dir);
        temp_files_at_kill += at_kill.temp_files;
        orphans_seen_at_kill += at_kill.blobs_without_metadata;
        EXPECT_EQ(at_kill.metadata_without_blob, 0u);
    }
    // Restart on the same directory: the start sweeps what the kills left.
    ServerProcess server(args, dir);
    server.start();
    const DiskState after = disk_state(dir);
    EXPECT_EQ(after.temp_files, 0u);
    EXPECT_EQ(after.blobs_without_metadata, 0u);
    EXPECT_EQ(after.metadata_without_blob, 0u);
    size_t lost = 0;
    for (const auto& a : acked) {
        const std::string wrong = check_intact(server, a);
        EXPECT_EQ(wrong, "") << a.id;
        lost += !wrong.empty();
    }
    EXPECT_EQ(lost, 0u);
    EXPECT_GT(acked_uploads, 50u) << "the load was too light to mean anything";
    EXPECT_GT(acked_transforms, 20u);
    EXPECT_GT(failed_requests, 0u) << "the kills should have caught requests in flight";
    // Every object on disk is whole: its bytes match the etag in its metadata.
    size_t checked = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir + "/objects")) {
        if (!e.is_regular_file() || e.path().extension() != ".json") continue;
        const auto meta = nlohmann::json::parse(test::read_file(e.path().string()));
        const std::string blob = test::read_file(fs::path(e.path()).replace_extension().string());
        EXPECT_EQ(quoted_md5(blob), meta["etag"].get<std::string>()) << e.path();
        ++checked;
    }
    std::printf("[ FIGURES  ] kill -9 x3 under 100 clients: %zu uploads and %zu transforms acknowledged, %zu "
                "requests cut by the kills, %zu temp files and %zu metadata-less blobs left at the kills "
                "(swept at start), %zu objects on disk verified, %zu acknowledged lost\n",
                acked_uploads, acked_transforms, failed_requests, temp_files_at_kill, orphans_seen_at_kill,
                checked, lost);
    server.stop();
    fs::remove_all(dir);
}

// Needs a small file system of its own: tests/faults/with-small-fs.sh mounts a tmpfs in a private
// mount namespace and sets IMGPIPE_TEST_SMALL_FS to it.
TEST(Faults, DiskFullAnswers507AndRecovers) {
    const char* small_fs = std::getenv("IMGPIPE_TEST_SMALL_FS");
    if (!small_fs) GTEST_SKIP() << "IMGPIPE_TEST_SMALL_FS is not set (run through tests/faults/with-small-fs.sh)";
    const std::string dir = std::string(small_fs) + "/data";
    fs::create_directories(dir);
    ServerProcess server({}, dir);
    server.start();
    const std::string first = test::encode(test::photo_like(800, 600, 1), ".jpg");
    const auto kept = http_upload(server.url("/image/upload/"), {"file", first, "kept.jpg"});
    ASSERT_EQ(kept.status, 201) << kept.body;
    const std::string kept_id = kept.json()["id"];
    ASSERT_EQ(http_get(server.url("/image/" + kept_id + "/scale:100x/")).status, 201);

    // Fill the file system, leaving less than one upload's worth.
    const std::string filler = std::string(small_fs) + "/filler";
    {
        std::ofstream out(filler, std::ios::binary);
        const std::string block(64 * 1024, 'f');
        while (out.write(block.data(), block.size())) {
        }
    }
    const auto space = fs::space(small_fs);
    std::printf("[ FIGURES  ] small file system filled: %llu bytes free\n",
                static_cast<unsigned long long>(space.available));

    const size_t stored_before = disk_state(dir).objects;
    const std::string big = test::encode(test::photo_like(1000, 800, 2), ".png");
    size_t refused = 0;
    for (int i = 0; i < 5; ++i) {
        const auto r = http_upload(server.url("/image/upload/"), {"file", big + std::to_string(i), "big.png"});
        EXPECT_EQ(r.status, 507) << r.body.substr(0, 200);
        EXPECT_EQ(r.header("content-type"), "application/json");
        if (r.status == 507) {
            EXPECT_EQ(r.json()["error"]["code"], "storage_full");
            ++refused;
        }
    }
    const auto t = http_get(server.url("/image/" + kept_id + "/rotate:45|convert:png/"));
    EXPECT_EQ(t.status, 507) << t.body.substr(0, 200);
    // What is stored stays readable, cached variants included.
    const auto old = http_get(server.url("/bytes/" + kept_id));
    EXPECT_EQ(old.status, 200);
    EXPECT_EQ(old.body, first);
    EXPECT_EQ(http_get(server.url("/image/" + kept_id + "/scale:100x/")).status, 200);
    EXPECT_EQ(http_get(server.url("/health")).status, 200);
    const DiskState full = disk_state(dir);
    EXPECT_EQ(full.objects, stored_before) << "a refused upload left an object";
    EXPECT_EQ(full.temp_files, 0u) << "a refused upload left a temp file";
    EXPECT_EQ(full.blobs_without_metadata, 0u);

    // Space comes back: the same server takes uploads again.
    fs::remove(filler);
    const auto again = http_upload(server.url("/image/upload/"), {"file", big, "big.png"});
    ASSERT_EQ(again.status, 201) << again.body.substr(0, 200);
    EXPECT_EQ(http_get(server.url("/bytes/" + again.json()["id"].get<std::string>())).body, big);
    EXPECT_EQ(http_get(server.url("/image/" + kept_id + "/rotate:45|convert:png/")).status, 201);
    std::printf("[ FIGURES  ] disk full: %zu uploads and 1 transform answered 507, stored images served, "
                "uploads accepted again once space returned\n", refused);
    EXPECT_EQ(server.stop(), 0);
}

TEST(Faults, SigtermFinishesInFlightWithinTheGraceAndExitsZero) {
    const std::string photo = test::encode(test::photo_like(1500, 1500), ".jpg");
    auto chain = [](int angle) { return "rotate:" + std::to_string(angle) + "|convert:webp/"; };
    // The grace must cover the work in flight on this machine, whatever its speed: time one such
    // transform first. Six on two workers are three rounds; the grace allows each four times that.
    long long one_ms = 0;
    {
        ServerProcess probe;
        probe.start();
        const auto up = http_upload(probe.url("/image/upload/"), {"file", photo, "a.jpg"});
        ASSERT_EQ(up.status, 201) << up.body;
        const std::string id = up.json()["id"];
        one_ms = time_ms([&] { EXPECT_EQ(http_get(probe.url("/image/" + id + "/" + chain(10))).status, 201); });
    }
    const long long grace_ms = std::max(3000LL, 3 * one_ms * 4);
    // The stalled upload outlives the grace by far (its idle deadline too), so only the grace can end it.
    const long long stuck_ms = grace_ms + 30000;
    ServerProcess server({"--shutdown-grace-ms", std::to_string(grace_ms), "--workers", "2",
                          "--body-idle-timeout-ms", std::to_string(stuck_ms)});
    server.start();
    const auto up = http_upload(server.url("/image/upload/"), {"file", photo, "a.jpg"});
    ASSERT_EQ(up.status, 201);
    const std::string id = up.json()["id"];
    const int transforms_before = http_get(server.url("/health")).json()["transforms"];
    // Threads that are joined on every path (a failed assertion included): std::jthread. None may
    // throw: what goes wrong is recorded and asserted on here.
    std::vector<HttpResponse> replies(6);
    std::vector<std::string> failures(6);
    std::vector<std::jthread> inflight;
    for (int i = 0; i < 6; ++i) {
        inflight.emplace_back([&, i] {
            try {
                replies[i] = http_get(server.url("/image/" + id + "/" + chain(11 + i)));
            } catch (const std::exception& e) {
                failures[i] = e.what(); // the connection was cut
            }
        });
    }
    // A client that never finishes its body must not hold the exit past the grace period. Its part
    // headers and first bytes make the server open a spool file: the sign that it is reading the
    // body. (The server recognises the boundary once it has 256 bytes, so the client sends more;
    // with fewer, only the transforms' own temp files, there for the fsyncs variants no longer
    // get, ever made tmp/ look busy.)
    const int port = server.port();
    std::string stuck_failure;
    std::jthread stuck([&, port, stuck_ms] {
        try {
            raw_exchange(port, "POST /image/upload/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
                               "boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; "
                               "name=\"file\"; filename=\"a.jpg\"\r\n\r\n" + std::string(1000, 'x'),
                         static_cast<int>(stuck_ms));
        } catch (const std::exception& e) {
            stuck_failure = e.what();
        }
    });
    // SIGTERM only once all six transforms have reached the server (running, queued or done) and
    // the stalled upload is being read: under load the client threads may start late.
    const bool ready = wait_until([&] {
        const auto h = http_get(server.url("/health")).json();
        const bool spooling = !std::filesystem::is_empty(server.data_dir() + "/tmp");
        return h["workers_in_flight"].get<int>() + h["transforms"].get<int>() - transforms_before >= 6 && spooling;
    });
    ASSERT_TRUE(ready) << "the transforms or the stalled upload never reached the server";
    long long took_ms = 0;
    int status = -1;
    took_ms = time_ms([&] { status = server.stop(SIGTERM); });
    EXPECT_EQ(status, 0);
    // Past the grace the server cuts what is left and exits; a second more is scheduling slack.
    EXPECT_LT(took_ms, grace_ms + std::max(1500LL, one_ms)) << "exit held past the grace";
    for (auto& t : inflight) t.join();
    size_t finished = 0;
    for (int i = 0; i < 6; ++i) {
        const bool ok = replies[i].status == 201 || replies[i].status == 200;
        EXPECT_TRUE(ok) << "transform " << i << ": " << (failures[i].empty() ? replies[i].body.substr(0, 200)
                                                                               : "cut: " + failures[i])
                        << " (one transform took " << one_ms << " ms here, grace " << grace_ms << " ms)";
        finished += ok;
    }
    stuck.join();
    EXPECT_EQ(stuck_failure, "");
    EXPECT_THROW(http_get("http://127.0.0.1:" + std::to_string(port) + "/health"), std::runtime_error);
    std::printf("[ FIGURES  ] SIGTERM: %zu of 6 transforms in flight finished, exit 0 after %lld ms "
                "(grace %lld ms from one transform taking %lld ms here) with a stalled upload open\n",
                finished, took_ms, grace_ms, one_ms);
}

} // namespace
} // namespace imgpipe::e2e
