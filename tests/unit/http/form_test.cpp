#include "core/errors.h"
#include "http/form.h"

#include <gtest/gtest.h>

namespace imgpipe::http {
namespace {

TEST(Form, BoundaryFromTheHeaderWhenTheBodyAgrees) {
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc", "--abc\r\n..."), "abc");
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"a b\"", "--a b\r\n"), "a b");
}

TEST(Form, CurlsUrlencodedLabelWithAMultipartBodyIsMultipart) {
    // What curl sends for the spec's examples: its own boundary under the urlencoded label.
    EXPECT_EQ(multipart_boundary("application/x-www-form-urlencoded; boundary=------------------------x1",
                                 "--------------------------x1\r\nContent-Disposition: attachment"),
              "------------------------x1");
    // A boundary in the header that the body does not use: the body's own first line decides.
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundarygW",
                                 "--realboundary\r\nContent-Disposition: form-data"),
              "realboundary");
}

TEST(Form, PlainUrlencodedBodiesAreNotMultipart) {
    EXPECT_FALSE(multipart_boundary("application/x-www-form-urlencoded", "file_url=http%3A%2F%2Fx"));
    EXPECT_FALSE(multipart_boundary("", "--no-line-end"));
}

TEST(Form, Urlencoded) {
    const auto f = parse_urlencoded("file_url=https%3A%2F%2Fexample.com%2Fa+b.jpg&x=&y");
    EXPECT_EQ(f.at("file_url"), "https://example.com/a b.jpg");
    EXPECT_EQ(f.at("x"), "");
    EXPECT_EQ(f.at("y"), "");
    EXPECT_THROW(parse_urlencoded("a=1&a=2"), Error);
}

TEST(Form, HeaderParams) {
    const auto p = header_params("attachment; name=\"file\"; filename=\"x\\\\y.jpg\"; size=10");
    EXPECT_EQ(p.at("name"), "file");
    EXPECT_EQ(p.at("filename"), "x\\y.jpg");
    EXPECT_EQ(p.at("size"), "10");
    EXPECT_EQ(header_main_value(" Multipart/Form-Data ; boundary=x"), "multipart/form-data");
}

} // namespace
} // namespace imgpipe::http
