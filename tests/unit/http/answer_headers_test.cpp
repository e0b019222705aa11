#include "http/answer_headers.h"

#include <gtest/gtest.h>

namespace imgpipe::http {
namespace {

TEST(AnswerHeaders, WritesTheStatusLineAndFieldsInOrder) {
    AnswerHeaders h;
    h.set("Server", "imgpipe");
    h.set("Content-Type", "image/webp");
    h.set("Content-Length", "14220");
    EXPECT_EQ(h.serialize(boost::beast::http::status::ok),
              "HTTP/1.1 200 OK\r\nServer: imgpipe\r\nContent-Type: image/webp\r\nContent-Length: 14220\r\n\r\n");
    EXPECT_EQ(AnswerHeaders().serialize(boost::beast::http::status::not_modified), "HTTP/1.1 304 Not Modified\r\n\r\n");
}

TEST(AnswerHeaders, ASecondSetReplacesInAnyCaseAndNoValueSplitsTheAnswer) {
    AnswerHeaders h;
    h.set("Cache-Control", "no-store");
    h.set("X-A", "1");
    h.set("cache-control", "public");
    h.set("X-B", "two\r\nSet-Cookie: x");
    EXPECT_EQ(h.serialize(boost::beast::http::status::not_found),
              "HTTP/1.1 404 Not Found\r\nX-A: 1\r\ncache-control: public\r\nX-B: two  Set-Cookie: x\r\n\r\n");
}

} // namespace
} // namespace imgpipe::http
