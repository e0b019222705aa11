// The API on the S3 backend, seen from outside: interop with boto3, start-up checks, connection
// reuse.
#include "e2e/harness.h"
#include "core/storage/s3_client.h"
#include "support/s3_servers.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace imgpipe::e2e {
namespace {

TEST(S3Api, UploadsAreReadableWithBoto3) {
    ServerProcess server;
    server.start();
    const std::string png = test::encode(test::quadrants(120, 80), ".png");
    const auto up = http_upload(server.url("/image/upload/"), {"file", png, "quad rant.png"});
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = up.json()["id"];
    ASSERT_EQ(http_get(server.url("/image/" + id + "/rotate:90|convert:jpeg/")).status, 201);

    const std::string store = test::s3_store();
    auto head = nlohmann::json::parse(test::s3_tool(store, "head '" + server.s3_prefix() + id + "'"));
    EXPECT_EQ(head["content_type"], "image/png");
    EXPECT_EQ(head["etag"], "\"" + md5_of(png) + "\"");
    EXPECT_EQ(head["metadata"]["filename"], "quad rant.png");
    EXPECT_EQ(head["metadata"]["width"], "120");
    head = nlohmann::json::parse(
        test::s3_tool(store, "head '" + server.s3_prefix() + id + "/rotate:90|convert:jpeg'"));
    EXPECT_EQ(head["content_type"], "image/jpeg");
    EXPECT_EQ(head["metadata"]["width"], "80");
    EXPECT_EQ(head["metadata"]["height"], "120");
}

TEST(S3Api, ObjectsPutByBoto3AreServed) {
    ServerProcess server;
    server.start();
    const std::string id = "0f0e0d0c-0b0a-4908-8706-050403020100";
    const std::string jpeg = test::encode(test::quadrants(200, 100), ".jpg");
    const std::string file = make_temp_dir("imgpipe-boto3") + "/in.jpg";
    test::write_file(file, jpeg);
    test::s3_tool(test::s3_store(),
                  "put '" + server.s3_prefix() + id + "' " + file + " image/jpeg legacy.jpg 200 100");
    const auto meta = http_get(server.url("/image/" + id + "/"));
    ASSERT_EQ(meta.status, 200) << meta.body;
    EXPECT_EQ(meta.json()["filename"], "legacy.jpg");
    EXPECT_EQ(meta.json()["width"], 200);
    EXPECT_EQ(meta.json()["etag"], "\"" + md5_of(jpeg) + "\"");
    const auto t = http_get(server.url("/bytes/" + id + "/scale:50x|convert:png/"));
    ASSERT_EQ(t.status, 200);
    const auto img = test::decode(t.body);
    EXPECT_EQ(img.width(), 50);
    EXPECT_EQ(img.height(), 25);
    EXPECT_EQ(test::colour_at(img, 5, 5), "red");
    std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

// What s3rver has accepted so far (tests/s3/s3rver.mjs): connections, and requests other than these.
struct S3rverStats {
    long connections = 0, requests = 0;
};
S3rverStats s3rver_stats() {
    const auto j = http_get(test::s3_server("s3rver").endpoint + "/-/stats").json();
    return {j.at("connections").get<long>(), j.at("requests").get<long>()};
}

TEST(S3Client, CountsAndReusesConnections) {
    // s3rver keeps connections alive (moto closes each one): every kind of request the store makes
    // goes over one connection, as the client counts it (curl's) and as the server does. A stream
    // comes first, so that the connection it opens is counted too.
    const S3Config c = test::s3_config("s3rver", "reuse");
    const std::string bytes(300000, 'x');
    S3Client(c).put_bytes(c.prefix + "streamed", bytes, {});
    const std::string file = make_temp_dir("imgpipe-reuse") + "/object";
    const S3rverStats before = s3rver_stats();
    S3Client client(c);
    auto read_stream = [&](const std::string& key) {
        auto reader = client.get_stream(key, 0, bytes.size(), bytes.size());
        std::string got(bytes.size() + 1, '\0');
        size_t n = 0, total = 0;
        while ((n = reader->read(got.data() + total, got.size() - total)) > 0) total += n;
        return got.substr(0, total);
    };
    EXPECT_EQ(read_stream(c.prefix + "streamed"), bytes);
    int requests = 1;
    for (int i = 0; i < 5; ++i) {
        const std::string key = c.prefix + "k" + std::to_string(i);
        EXPECT_EQ(client.head(key).status, 404);
        EXPECT_EQ(client.put_bytes(key, "small " + std::to_string(i), {}).status, 200);
        test::write_file(file, bytes);
        EXPECT_EQ(client.put_file(key + "/big", file, {}, md5_of(bytes)).status, 200);
        EXPECT_EQ(client.get_bytes(key).body, "small " + std::to_string(i));
        const int fd = ::open(file.c_str(), O_RDWR);
        EXPECT_EQ(client.get_to_fd(key + "/big", fd).status, 200);
        ::close(fd);
        EXPECT_EQ(std::filesystem::file_size(file), bytes.size());
        EXPECT_EQ(read_stream(key + "/big"), bytes);
        EXPECT_EQ(client.del(key).status, 204);
        requests += 7;
    }
    const S3rverStats after = s3rver_stats();
    EXPECT_EQ(client.new_connections(), 1u) << requests << " requests should share one connection";
    EXPECT_EQ(after.requests - before.requests, requests);
    EXPECT_EQ(after.connections - before.connections - 1, 1) << "connections s3rver accepted (besides the "
                                                                 "one asking for these numbers)";
    std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

double sample(const std::string& scrape, const std::string& series) {
    const auto at = scrape.find("\n" + series + " ");
    return at == std::string::npos ? -1.0 : std::stod(scrape.substr(at + series.size() + 2));
}

TEST(S3Api, TheServiceReusesItsS3Connections) {
    // The binary, from the server's side: a run of uploads and variants costs a few connections,
    // and imgpipe_s3_connections_total says how many, as s3rver counted them.
    if (test::s3_store() != "s3rver") GTEST_SKIP() << "the store is " << test::s3_store() << ", not s3rver";
    const S3rverStats before = s3rver_stats();
    ServerProcess server;
    server.start();
    for (int i = 0; i < 5; ++i) {
        const auto up = http_upload(server.url("/image/upload/"),
                                    {"file", test::encode(test::quadrants(60 + i, 40), ".png"), "q.png"});
        ASSERT_EQ(up.status, 201) << up.body;
        const std::string id = up.json()["id"];
        ASSERT_EQ(http_get(server.url("/image/" + id + "/rotate:90|convert:jpeg/")).status, 201);
        ASSERT_EQ(http_get(server.url("/bytes/" + id + "/rotate:90|convert:jpeg/")).status, 200);
        ASSERT_EQ(http_get(server.url("/bytes/" + id)).status, 200);
    }
    const double counted = sample(http_get(server.url("/metrics")).body, "imgpipe_s3_connections_total");
    const S3rverStats after = s3rver_stats();
    const long connections = after.connections - before.connections - 1; // not the /-/stats one
    const long requests = after.requests - before.requests;
    std::cout << "imgpipe on s3rver: " << requests << " S3 requests over " << connections << " connections\n";
    EXPECT_EQ(counted, connections);
    EXPECT_GE(requests, 30);
    EXPECT_LE(connections * 5, requests) << "connections are not reused";
}

std::string start_failure(const std::string& args) {
    int rc = 0;
    const std::string out = run_command("timeout 20 " + imgpipe_binary() +
                                            " serve --port 0 --data " + make_temp_dir("imgpipe-s3start") +
                                            " " + args + " 2>&1; echo \"exit=$?\"",
                                        &rc);
    return out;
}

TEST(S3Api, BadBucketOrCredentialsEndTheStartCleanly) {
    const test::S3Server auth = test::s3_server("s3rver"); // it checks signatures
    const std::string common = " --s3-endpoint " + auth.endpoint + " --aws-access-key-id " + auth.key;
    std::string out = start_failure("--storage s3://no-such-bucket-anywhere" + common +
                                    " --aws-secret-access-key " + auth.secret);
    EXPECT_NE(out.find("does not exist"), std::string::npos) << out;
    EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
    out = start_failure("--storage s3://" + auth.bucket + common + " --aws-secret-access-key wrong-secret");
    EXPECT_NE(out.find("refused the credentials"), std::string::npos) << out;
    EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
    out = start_failure("--storage s3://" + auth.bucket + " --s3-endpoint http://127.0.0.1:1 --s3-attempts 1"
                        " --aws-access-key-id a --aws-secret-access-key b");
    EXPECT_NE(out.find("cannot be reached"), std::string::npos) << out;
    EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
}

} // namespace
} // namespace imgpipe::e2e
