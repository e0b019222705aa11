// The lifecycle of stored images end to end: DELETE of an image and of one variant (who may, what
// stops being served, a delete racing a transform), the paged list of originals, and the cap on
// variant bytes. One process, its servers started once (the functions below), one ctest entry.
#include "e2e/harness.h"
#include "support/s3_servers.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <future>
#include <limits>
#include <set>
#include <sstream>
#include <thread>

namespace imgpipe::e2e {
namespace {

namespace fs = std::filesystem;

const std::string kKey = "lifecycle-api-key-0123456789";
const std::string kAuth = "Authorization: Bearer " + kKey;

ServerProcess& started(ServerProcess& s) {
    if (!s.running()) s.start();
    return s;
}

// No keys and no --allow-delete: uploads and the list are open, deletes refused.
ServerProcess& open_server() {
    static ServerProcess s;
    return started(s);
}

// API keys guard uploads, the list and deletes. Two workers: a transform can run while other
// requests are answered.
ServerProcess& keyed_server() {
    static ServerProcess s({"--api-keys", kKey, "--workers", "2"});
    return started(s);
}

// No keys, but --allow-delete.
ServerProcess& allow_delete_server() {
    static ServerProcess s({"--allow-delete"});
    return started(s);
}

std::string png(int w, int h) { return test::encode(test::photo_like(w, h), ".png"); }
// Large images are made of flat quadrants: quick to generate and to encode.
std::string big_jpeg(int w, int h) { return test::encode(test::quadrants(w, h), ".jpg"); }

// Uploads with the API key (http_upload sends no headers of ours: the multipart body by hand).
nlohmann::json upload(ServerProcess& s, const std::string& bytes, const std::string& auth = kAuth) {
    const std::string boundary = "lifecycle-boundary-7f3a9c";
    const std::string body = "--" + boundary +
                             "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" +
                             bytes + "\r\n--" + boundary + "--\r\n";
    std::vector<std::string> headers{"Content-Type: multipart/form-data; boundary=" + boundary};
    if (!auth.empty()) headers.push_back(auth);
    const auto r = http_post(s.url("/image/upload/"), body, headers);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
}

HttpResponse del(ServerProcess& s, const std::string& path, const std::string& auth = kAuth) {
    return http_get(s.url(path), auth.empty() ? std::vector<std::string>{} : std::vector<std::string>{auth}, "DELETE");
}

void expect_error(const HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j["error"]["code"], code) << r.body;
}

// Files of the image's objects on disk, metadata included: what a delete must leave none of.
size_t files_under(ServerProcess& s, const std::string& id) {
    const fs::path dir = fs::path(s.data_dir()) / "objects" / id;
    if (!fs::exists(dir)) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(Lifecycle, DeletesAreRefusedWithoutKeysUnlessAllowed) {
    ServerProcess& s = open_server();
    const std::string id = upload(s, png(40, 30), "")["id"];
    ASSERT_EQ(http_get(s.url("/image/" + id + "/scale:20x/")).status, 201);
    expect_error(del(s, "/image/" + id + "/", ""), 403, "forbidden");
    expect_error(del(s, "/image/" + id + "/scale:20x/", ""), 403, "forbidden");
    expect_error(del(s, "/image/" + id + "/", "Authorization: Bearer whatever-key-0123456789"), 403, "forbidden");
    EXPECT_EQ(http_get(s.url("/image/" + id + "/")).status, 200); // nothing was deleted
    EXPECT_EQ(s.stored_objects(id), 2u);
    // Other methods on these paths name DELETE among the allowed ones.
    const auto put = http_get(s.url("/image/" + id + "/"), {}, "PUT");
    expect_error(put, 405, "method_not_allowed");
    EXPECT_EQ(put.header("allow"), "GET, HEAD, DELETE");

    ServerProcess& allowed = allow_delete_server();
    const std::string other = upload(allowed, png(40, 30), "")["id"];
    EXPECT_EQ(del(allowed, "/image/" + other + "/", "").status, 204);
    expect_error(http_get(allowed.url("/image/" + other + "/")), 404, "not_found");
}

TEST(Lifecycle, WithKeysADeleteNeedsOne) {
    ServerProcess& s = keyed_server();
    const std::string id = upload(s, png(40, 30))["id"];
    for (const std::string& auth : {std::string(), "Authorization: Bearer " + kKey + "x"}) {
        const auto r = del(s, "/image/" + id + "/", auth);
        expect_error(r, 401, "unauthorized");
        EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"imgpipe\"");
    }
    EXPECT_EQ(http_get(s.url("/image/" + id + "/")).status, 200);
}

TEST(Lifecycle, DeletingAnImageRemovesEverythingAndStopsServingItAtOnce) {
    ServerProcess& s = keyed_server();
    const auto up = upload(s, big_jpeg(1800, 1200)); // large enough for a mipmap
    const std::string id = up["id"], signed_link = up["url"];
    ASSERT_EQ(http_get(s.url("/image/" + id + "/scale:100x|convert:webp/")).status, 201);
    ASSERT_EQ(http_get(s.url("/bytes/" + id + "/rotate:90")).status, 200);
    EXPECT_EQ(s.stored_objects(id), 4u); // original, mipmap, two variants
    // Served (and so in the server's metadata cache) just before the delete.
    ASSERT_EQ(http_get(s.url("/image/" + id + "/")).status, 200);
    ASSERT_EQ(http_get(signed_link).status, 200);

    const auto r = del(s, "/image/" + id + "/");
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.header("content-length"), "");
    EXPECT_EQ(files_under(s, id), 0u);
    EXPECT_EQ(s.stored_objects(id), 0u);
    for (const std::string& path : {"/image/" + id + "/", "/image/" + id + "/scale:100x%7Cconvert:webp/",
                                    "/image/" + id + "/rotate:90/", "/bytes/" + id,
                                    "/bytes/" + id + "/rotate:90", "/bytes/" + id + "/scale:100x|convert:webp"}) {
        expect_error(http_get(s.url(path)), 404, "not_found");
        EXPECT_EQ(http_get(s.url(path), {}, "HEAD").status, 404) << path;
    }
    expect_error(http_get(signed_link), 404, "not_found");
    expect_error(del(s, "/image/" + id + "/"), 404, "not_found"); // twice: nothing left
    expect_error(del(s, "/image/00000000-0000-4000-8000-000000000000/"), 404, "not_found");
    expect_error(del(s, "/image/not-an-id/"), 404, "not_found");
    EXPECT_EQ(s.stored_objects(id), 0u); // the GETs above computed nothing
}

TEST(Lifecycle, DeletingOneVariantLeavesTheOriginalAndTheOthers) {
    ServerProcess& s = keyed_server();
    const std::string id = upload(s, png(64, 48))["id"];
    ASSERT_EQ(http_get(s.url("/image/" + id + "/rotate:90/")).status, 201);
    ASSERT_EQ(http_get(s.url("/image/" + id + "/scale:32x|convert:jpeg/")).status, 201);
    // Any spelling of the chain names the stored variant: here the canonical rotate:90.
    EXPECT_EQ(del(s, "/image/" + id + "/rotate:450/").status, 204);
    EXPECT_EQ(s.stored_objects(id), 2u);
    EXPECT_EQ(http_get(s.url("/image/" + id + "/")).status, 200);
    EXPECT_EQ(http_get(s.url("/image/" + id + "/scale:32x%7Cconvert:jpeg/")).status, 200); // still stored
    expect_error(del(s, "/image/" + id + "/rotate:90/"), 404, "not_found"); // gone already
    expect_error(del(s, "/image/" + id + "/flip:h/"), 404, "not_found");   // never made
    expect_error(del(s, "/image/" + id + "/nonsense:1/"), 400, "invalid_chain");
    expect_error(del(s, "/image/" + id + "/rotate:0/"), 400, "invalid_chain"); // that is the original
    EXPECT_EQ(s.stored_objects(id), 2u);
    // The variant is recomputable: asked again, it is made again, with the same pixels as rotated.
    const auto again = http_get(s.url("/bytes/" + id + "/rotate:90"));
    ASSERT_EQ(again.status, 200);
    const auto img = test::decode(again.body);
    EXPECT_EQ(img.width(), 48);
    EXPECT_EQ(img.height(), 64);
}

TEST(Lifecycle, ADeleteDuringATransformLeavesNothingBehind) {
    ServerProcess& s = keyed_server();
    const std::string id = upload(s, big_jpeg(1200, 1200))["id"];
    // A chain slow enough to be running when the delete comes: a wide blur at full size (sharpen
    // first: no shrink on load). About 3 s here.
    const std::string chain = "/sharpen:3|blur:30|convert:png/";
    auto first = std::async(std::launch::async, [&] { return http_get(s.url("/image/" + id + chain)); });
    ASSERT_TRUE(wait_until([&] { return http_get(s.url("/health")).json()["workers_in_flight"] == 1; },
                           std::chrono::seconds(20)));
    // A second request for the same variant waits for the first one's result.
    auto coalesced = std::async(std::launch::async, [&] { return http_get(s.url("/bytes/" + id + chain)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto deleted = del(s, "/image/" + id + "/");
    ASSERT_EQ(deleted.status, 204) << deleted.body;
    EXPECT_EQ(http_get(s.url("/health")).json()["workers_in_flight"], 1) << "the transform ended before the delete";
    // The transform ends after the delete: its result is not kept, and both requests learn so.
    expect_error(first.get(), 404, "not_found");
    expect_error(coalesced.get(), 404, "not_found");
    EXPECT_EQ(files_under(s, id), 0u);
    EXPECT_FALSE(fs::exists(fs::path(s.data_dir()) / "objects" / id));
    expect_error(http_get(s.url("/image/" + id + chain)), 404, "not_found");
}

TEST(Lifecycle, TheListPagesThroughTheOriginalsById) {
    ServerProcess& s = allow_delete_server(); // a store of its own: the list is all of it
    std::vector<std::string> ids;
    for (int i = 0; i < 7; ++i) {
        const std::string id = upload(s, png(20 + i, 20), "")["id"];
        ids.push_back(id);
        if (i % 3 == 0) { // variants are not listed
            ASSERT_EQ(http_get(s.url("/image/" + id + "/rotate:90/")).status, 201);
        }
    }
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> seen;
    std::string after;
    int pages = 0;
    for (; pages < 10; ++pages) {
        const auto r = http_get(s.url("/image/?limit=3" + (after.empty() ? "" : "&after=" + after)));
        ASSERT_EQ(r.status, 200) << r.body;
        const auto j = r.json();
        ASSERT_LE(j["images"].size(), 3u);
        for (const auto& image : j["images"]) {
            seen.push_back(image["id"]);
            EXPECT_EQ(image["content_type"], "image/png");
            EXPECT_EQ(image["filename"], "a.png");
            EXPECT_GT(image["content_length"].get<int>(), 0);
            EXPECT_EQ(image["height"], 20);
            const std::string created = image["created"];
            EXPECT_EQ(created.size(), 20u) << created; // 2026-12-02T08:17:19Z
            EXPECT_EQ(created.back(), 'Z');
        }
        if (!j.contains("next")) break;
        after = j["next"];
        EXPECT_EQ(after, seen.back());
    }
    EXPECT_EQ(seen, ids);
    EXPECT_EQ(pages + 1, 3); // 3 + 3 + 1
    const auto all = http_get(s.url("/image/")).json(); // 100 by default
    EXPECT_EQ(all["images"].size(), ids.size());
    EXPECT_FALSE(all.contains("next"));
    // A deleted image leaves the list.
    ASSERT_EQ(del(s, "/image/" + ids[0] + "/", "").status, 204);
    EXPECT_EQ(http_get(s.url("/image/?limit=1")).json()["images"][0]["id"], ids[1]);
    for (const char* bad : {"limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=", "limit=2.5",
                                   "after=nope", "after=../x"}) {
        expect_error(http_get(s.url(std::string("/image/?") + bad)), 400, "bad_request");
    }
    EXPECT_EQ(http_get(s.url("/image/?limit=1000")).status, 200);
}

TEST(Lifecycle, TheListFollowsTheUploadKeyRule) {
    ServerProcess& keyed = keyed_server();
    expect_error(http_get(keyed.url("/image/")), 401, "unauthorized");
    const auto r = http_get(keyed.url("/image/?limit=1"), {kAuth});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(http_get(open_server().url("/image/")).status, 200); // open, as its uploads are
    expect_error(http_get(open_server().url("/image/"), {}, "POST"), 405, "method_not_allowed");
}

TEST(Lifecycle, OnS3ADeleteRemovesEveryKeyOfTheImageAndTheListPages) {
    const test::S3Server bucket = test::s3_server(test::s3_store());
    const std::string prefix = "lifecycle-" + std::to_string(::getpid()) + "/";
    ServerProcess s({"--allow-delete", "--storage", "s3://" + bucket.bucket + "/" + prefix, "--s3-endpoint",
                     bucket.endpoint, "--aws-access-key-id", bucket.key, "--aws-secret-access-key", bucket.secret});
    s.start();
    const std::string id = upload(s, big_jpeg(1800, 1200), "")["id"]; // with a mipmap
    const std::string other = upload(s, png(30, 20), "")["id"];
    ASSERT_EQ(http_get(s.url("/image/" + id + "/rotate:90/")).status, 201);
    ASSERT_EQ(http_get(s.url("/image/" + id + "/grayscale/")).status, 201);

    const auto page = http_get(s.url("/image/?limit=1")).json();
    ASSERT_EQ(page["images"].size(), 1u);
    EXPECT_EQ(page["images"][0]["id"], std::min(id, other));
    EXPECT_EQ(page["next"], std::min(id, other));
    const auto rest = http_get(s.url("/image/?after=" + std::string(page["next"]))).json();
    ASSERT_EQ(rest["images"].size(), 1u);
    EXPECT_EQ(rest["images"][0]["id"], std::max(id, other));
    EXPECT_EQ(rest["images"][0]["content_type"], id < other ? "image/png" : "image/jpeg");
    EXPECT_FALSE(rest.contains("next"));

    EXPECT_EQ(del(s, "/image/" + id + "/grayscale/", "").status, 204);
    EXPECT_EQ(http_get(s.url("/image/" + id + "/rotate:90/")).status, 200); // the other variant stays
    EXPECT_EQ(del(s, "/image/" + id + "/", "").status, 204);
    expect_error(http_get(s.url("/bytes/" + id + "/rotate:90")), 404, "not_found");
    expect_error(del(s, "/image/" + id + "/", ""), 404, "not_found");
    EXPECT_EQ(http_get(s.url("/image/")).json()["images"].size(), 1u);
    // In the bucket (boto3's listing, not ours): only the other image.
    std::istringstream lines(test::s3_tool(test::s3_store(), "list '" + prefix + "'"));
    std::set<std::string> keys;
    for (std::string key; std::getline(lines, key);) keys.insert(key);
    EXPECT_EQ(keys, std::set<std::string>{prefix + other});
}

// The bytes of the variants on disk (image and metadata files), what --variants-max-bytes caps;
// `variants` receives how many there are.
uintmax_t variant_bytes_on_disk(ServerProcess& s, size_t* variants = nullptr) {
    uintmax_t total = 0;
    size_t n = 0;
    for (const auto& image : fs::directory_iterator(fs::path(s.data_dir()) / "objects")) {
        for (const auto& file : fs::directory_iterator(image.path())) {
            const std::string name = file.path().filename().string();
            if (name.starts_with("original") || name.starts_with("mipmap")) continue;
            total += fs::file_size(file.path());
            n += file.path().extension() != ".json";
        }
    }
    if (variants) *variants = n;
    return total;
}

double metric(ServerProcess& s, const std::string& series) {
    const std::string scrape = http_get(s.url("/metrics")).body;
    const auto at = scrape.find("\n" + series + " ");
    return at == std::string::npos ? -1.0 : std::stod(scrape.substr(at + series.size() + 2));
}

TEST(Lifecycle, VariantsOverTheCapGoLeastRecentlyUsedFirstAndComeBackOnRequest) {
    constexpr int kCap = 20000;
    ServerProcess s({"--variants-max-bytes", std::to_string(kCap)});
    s.start();
    const std::string original = png(64, 48);
    const std::string id = upload(s, original, "")["id"];
    auto chain = [](int i) { return "scale:" + std::to_string(40 + i) + "x|convert:png"; };
    // Each variant is ~4 KB: ten of them are twice the cap. Variant 0 is used after each new one,
    // so it stays; variant 1 is never used again, so it goes.
    std::vector<std::string> first_bytes;
    for (int i = 0; i < 10; ++i) {
        const auto r = http_get(s.url("/bytes/" + id + "/" + chain(i)));
        ASSERT_EQ(r.status, 200) << r.body;
        first_bytes.push_back(r.body);
        if (i > 0) {
            ASSERT_EQ(http_get(s.url("/bytes/" + id + "/" + chain(0))).status, 200);
        }
    }
    size_t kept = 0;
    const uintmax_t on_disk = variant_bytes_on_disk(s, &kept);
    EXPECT_LE(on_disk, static_cast<uintmax_t>(kCap));
    EXPECT_GT(on_disk, static_cast<uintmax_t>(kCap) / 2); // evicted down to the cap, not emptied
    EXPECT_LT(kept, 10u);
    EXPECT_EQ(metric(s, "imgpipe_variant_bytes"), static_cast<double>(on_disk));
    EXPECT_EQ(metric(s, "imgpipe_variants_evicted_total"), static_cast<double>(10 - kept));
    // The original is never evicted; the recently used variant is kept, the least recently used gone.
    EXPECT_EQ(http_get(s.url("/bytes/" + id)).body, original);
    EXPECT_EQ(http_get(s.url("/image/" + id + "/" + chain(0) + "/")).status, 200);
    // An evicted variant is computed again on request, with the same pixels.
    const auto again = http_get(s.url("/image/" + id + "/" + chain(1) + "/"));
    EXPECT_EQ(again.status, 201) << again.body;
    const auto bytes = http_get(s.url("/bytes/" + id + "/" + chain(1)));
    ASSERT_EQ(bytes.status, 200);
    const auto img = test::decode(bytes.body);
    EXPECT_EQ(img.width(), 41);
    EXPECT_EQ(test::psnr(img, test::decode(first_bytes[1])), std::numeric_limits<double>::infinity());
    EXPECT_LE(variant_bytes_on_disk(s), static_cast<uintmax_t>(kCap));

    // A restart rebuilds the index from the files; a lower cap evicts down to it at once.
    s.stop();
    ServerProcess smaller({"--variants-max-bytes", std::to_string(kCap / 2)}, s.data_dir());
    smaller.start();
    const uintmax_t after = variant_bytes_on_disk(smaller);
    EXPECT_LE(after, static_cast<uintmax_t>(kCap / 2));
    EXPECT_GT(after, 0u);
    EXPECT_EQ(metric(smaller, "imgpipe_variant_bytes"), static_cast<double>(after));
    EXPECT_EQ(http_get(smaller.url("/bytes/" + id)).body, original);

    // Not with S3 or a cluster: refused at start.
    int status = 0;
    const std::string out = run_command(imgpipe_binary() +
                                            " serve --variants-max-bytes 1000 --storage s3://bucket --aws-access-key-id k "
                                            "--aws-secret-access-key s 2>&1",
                                        &status);
    EXPECT_NE(status, 0);
    EXPECT_NE(out.find("variants-max-bytes"), std::string::npos) << out;
}

} // namespace
} // namespace imgpipe::e2e
