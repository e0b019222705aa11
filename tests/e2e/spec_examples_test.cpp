// The curl examples of the original README, run exactly as written: only the host, the port, the
// file path and the example link are replaced by this test's own.
#include "e2e/harness.h"
#include "e2e/link_server.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace imgpipe::e2e {
namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
    return s;
}

const std::string kUploadExample = R"(curl -X POST \
      http://localhost:8000/image/upload/ \
      -H 'Content-Type: application/x-www-form-urlencoded' \
      -H 'Content-Type: multipart/form-data; boundary=----WebKitFormBoundarygW' \
      -F file=@/home/r/Desktop/obama.jpg)";

const std::string kLinkExample = R"(curl -X POST \
      http://localhost:8000/image/link/ \
      -H 'Content-Type: application/x-www-form-urlencoded' \
      -F 'file_url=https://example.com/image.jpg')";

class SpecExamples : public ::testing::Test {
protected:
    void SetUp() override {
        server_.start();
        dir_ = make_temp_dir("imgpipe-spec");
        photo_ = test::encode(test::photo_like(640, 400), ".jpg[Q=90]");
        test::write_file(dir_ + "/obama.jpg", photo_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string localize(const std::string& example) {
        std::string cmd = replace_all(example, "http://localhost:8000",
                                      "http://localhost:" + std::to_string(server_.port()));
        cmd = replace_all(cmd, "/home/r/Desktop/obama.jpg", dir_ + "/obama.jpg");
        cmd = replace_all(cmd, "https://example.com/image.jpg", links_.url("/image.jpg"));
        return cmd + " 2>/dev/null"; // curl's progress meter
    }

    ServerProcess server_{{"--allow-private-networks", "true"}};
    LinkServer links_;
    std::string dir_;
    std::string photo_;
};

void expect_image_json(const nlohmann::json& j, const std::string& bytes, const std::string& filename) {
    EXPECT_EQ(j["content_type"], "image/jpeg");
    EXPECT_EQ(j["content_length"], bytes.size());
    EXPECT_EQ(j["etag"], "\"" + md5_of(bytes) + "\"");
    EXPECT_EQ(j["filename"], filename);
    EXPECT_EQ(j["width"], 640);
    EXPECT_EQ(j["height"], 400);
    EXPECT_EQ(j["id"].get<std::string>().size(), 36u);
    // "signature=" in imgpipe's own links, "X-Amz-Signature=" in presigned S3 links.
    EXPECT_NE(j["url"].get<std::string>().find("ignature="), std::string::npos);
}

TEST_F(SpecExamples, UploadExampleAsWritten) {
    int rc = 0;
    const std::string out = run_command(localize(kUploadExample), &rc);
    ASSERT_EQ(rc, 0);
    const auto j = nlohmann::json::parse(out);
    expect_image_json(j, photo_, "obama.jpg");
    // The stored bytes are the uploaded bytes.
    const auto bytes = http_get(j["url"].get<std::string>());
    EXPECT_EQ(bytes.status, 200);
    EXPECT_EQ(bytes.body, photo_);
}

TEST_F(SpecExamples, LinkExampleAsWritten) {
    links_.serve_bytes("/image.jpg", photo_, "image/jpeg");
    int rc = 0;
    const std::string out = run_command(localize(kLinkExample), &rc);
    ASSERT_EQ(rc, 0);
    expect_image_json(nlohmann::json::parse(out), photo_, "image.jpg");
}

TEST_F(SpecExamples, GetAndTransformExamples) {
    const auto uploaded = nlohmann::json::parse(run_command(localize(kUploadExample)));
    const std::string id = uploaded["id"];
    const std::string base = "http://localhost:" + std::to_string(server_.port());

    // GET /image/<id>/
    const auto meta = nlohmann::json::parse(run_command("curl -s " + base + "/image/" + id + "/"));
    EXPECT_EQ(meta["id"], id);
    EXPECT_EQ(meta["etag"], uploaded["etag"]);

    // GET /image/<id>/rotate:10|convert:png|scale:200x100/
    const std::string transform_cmd =
        "curl -s -w '\\n%{http_code}' '" + base + "/image/" + id + "/rotate:10|convert:png|scale:200x100/'";
    std::string out = run_command(transform_cmd);
    EXPECT_EQ(out.substr(out.rfind('\n') + 1), "201");
    const auto derived = nlohmann::json::parse(out.substr(0, out.rfind('\n')));
    EXPECT_EQ(derived["id"], id + "/rotate:10|convert:png|scale:200x100");
    EXPECT_EQ(derived["content_type"], "image/png");
    EXPECT_EQ(derived["width"], 200);
    EXPECT_EQ(derived["height"], 100);
    out = run_command(transform_cmd);
    EXPECT_EQ(out.substr(out.rfind('\n') + 1), "200") << "the second request reuses the stored result";

    const auto png = http_get(derived["url"].get<std::string>());
    ASSERT_EQ(png.status, 200);
    const auto img = test::decode(png.body);
    EXPECT_EQ(test::loader_of(img), "pngload_buffer");
    EXPECT_EQ(img.width(), 200);
    EXPECT_EQ(img.height(), 100);
}

} // namespace
} // namespace imgpipe::e2e
