// The API on the S3 backend, seen from outside: interop with boto3 and start-up checks.
#include "e2e/harness.h"
#include "core/storage/s3_client.h"
#include "support/s3_servers.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>

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

TEST(S3Client, ReusesConnections) {
    // moto answers every request with "Connection: close", so reuse is shown against a server that
    // keeps connections alive: imgpipe itself, whose /image/<uuid> answers HEAD with 404.
    ServerProcess keep_alive;
    keep_alive.start();
    S3Config c = test::s3_config(test::s3_store(), "reuse");
    c.endpoint = keep_alive.url();
    c.bucket = "image";
    S3Client client(c);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(client.head("00000000-0000-4000-8000-0000000000" + std::to_string(10 + i)).status, 404);
    }
    EXPECT_EQ(client.new_connections(), 1u) << "20 requests should share one connection";
}

std::string start_failure(const std::string& args) {
    int rc = 0;
    const std::string out = run_command("timeout 20 " + std::string(IMGPIPE_BINARY) +
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
