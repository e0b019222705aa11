#include "core/errors.h"
#include "http/multipart.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace imgpipe::http {
namespace {

struct Recorded {
    PartHeaders headers;
    std::string body;
    bool ended = false;
};

class Recorder : public PartSink {
public:
    void begin(const PartHeaders& h) override { parts.push_back({h, "", false}); }
    void data(std::string_view b) override { parts.back().body.append(b); }
    void end() override { parts.back().ended = true; }
    std::vector<Recorded> parts;
};

// What curl sends for `-H 'Content-Type: application/x-www-form-urlencoded' -F file=@x.jpg`.
const std::string kCurlBody =
    "--------------------------d74496d66958873e\r\n"
    "Content-Disposition: attachment; name=\"file\"; filename=\"obama.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\xff\xd8\xff binary \r\n-- not a boundary \r\n--------------------------d74496d66958873 nope\xff\xd9\r\n"
    "--------------------------d74496d66958873e\r\n"
    "content-disposition: form-data; NAME=note\r\n"
    "\r\n"
    "hello\r\n"
    "--------------------------d74496d66958873e--\r\n";
const std::string kBoundary = "------------------------d74496d66958873e";
const std::string kFileBytes =
    "\xff\xd8\xff binary \r\n-- not a boundary \r\n--------------------------d74496d66958873 nope\xff\xd9";

void check_curl_parts(const Recorder& r) {
    ASSERT_EQ(r.parts.size(), 2u);
    EXPECT_EQ(r.parts[0].headers.name, "file");
    EXPECT_EQ(r.parts[0].headers.filename, "obama.jpg");
    EXPECT_EQ(r.parts[0].headers.content_type, "image/jpeg");
    EXPECT_EQ(r.parts[0].body, kFileBytes);
    EXPECT_TRUE(r.parts[0].ended);
    EXPECT_EQ(r.parts[1].headers.name, "note");
    EXPECT_EQ(r.parts[1].body, "hello");
}

TEST(Multipart, ParsesCurlsAttachmentParts) {
    Recorder r;
    MultipartParser p(kBoundary, r);
    p.feed(kCurlBody);
    p.finish();
    EXPECT_TRUE(p.complete());
    check_curl_parts(r);
}

TEST(Multipart, AnyChunkingGivesTheSameParts) {
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
        Recorder r;
        MultipartParser p(kBoundary, r);
        size_t i = 0;
        while (i < kCurlBody.size()) {
            const size_t n = std::min<size_t>(kCurlBody.size() - i, 1 + rng() % 13);
            p.feed(std::string_view(kCurlBody).substr(i, n));
            i += n;
        }
        p.finish();
        check_curl_parts(r);
    }
}

TEST(Multipart, QuotedAndExtendedFilenames) {
    Recorder r;
    MultipartParser p("b", r);
    p.feed("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\"; b.png\"\r\n\r\nx\r\n"
           "--b\r\nContent-Disposition: form-data; name=\"f2\"; filename=\"plain.png\"; "
           "filename*=UTF-8''%C3%A9t%C3%A9.png\r\n\r\ny\r\n--b--");
    p.finish();
    ASSERT_EQ(r.parts.size(), 2u);
    EXPECT_EQ(r.parts[0].headers.filename, "a \"q\"; b.png");
    EXPECT_EQ(r.parts[1].headers.filename, "\xc3\xa9t\xc3\xa9.png");
}

TEST(Multipart, PreambleAndEpilogueAreIgnored) {
    Recorder r;
    MultipartParser p("b", r);
    p.feed("preamble text\r\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b--\r\nepilogue");
    p.finish();
    ASSERT_EQ(r.parts.size(), 1u);
    EXPECT_EQ(r.parts[0].body, "1");
}

TEST(Multipart, MalformedBodiesAreBadRequests) {
    auto fails = [](const std::string& body, MultipartParser::Limits limits = {}) {
        Recorder r;
        try {
            MultipartParser p("b", r, limits);
            p.feed(body);
            p.finish();
        } catch (const Error& e) {
            return e.code() == ErrorCode::bad_request;
        }
        return false;
    };
    EXPECT_TRUE(fails("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nno closing boundary"));
    EXPECT_TRUE(fails("")); 
    EXPECT_TRUE(fails("--b\r\nno colon here\r\n\r\nx\r\n--b--"));
    EXPECT_TRUE(fails("--bX\r\n"));
    EXPECT_TRUE(fails("--b\r\n" + std::string(9000, 'h') + ": v\r\n\r\nx\r\n--b--"));
    std::string many;
    for (int i = 0; i < 20; ++i) many += "--b\r\nContent-Disposition: form-data; name=a" + std::to_string(i) + "\r\n\r\nx\r\n";
    EXPECT_TRUE(fails(many + "--b--"));
    EXPECT_TRUE(fails("--b\r\nContent-Disposition: a; name=x\r\nContent-Disposition: a; name=y\r\n\r\nx\r\n--b--"));
}

TEST(Multipart, LargeBodiesStreamWithoutBuffering) {
    class Counter : public PartSink {
    public:
        void begin(const PartHeaders&) override {}
        void data(std::string_view b) override { bytes += b.size(); }
        void end() override {}
        size_t bytes = 0;
    } counter;
    MultipartParser p("boundary", counter);
    p.feed("--boundary\r\nContent-Disposition: form-data; name=file\r\n\r\n");
    const std::string chunk(1 << 16, 'z');
    for (int i = 0; i < 160; ++i) p.feed(chunk); // 10 MiB
    p.feed("\r\n--boundary--\r\n");
    p.finish();
    EXPECT_EQ(counter.bytes, chunk.size() * 160);
}

} // namespace
} // namespace imgpipe::http
