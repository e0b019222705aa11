#include "http/links.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace imgpipe::http {
namespace {

ServerConfig config(std::string public_url, bool trust_proxy) {
    ServerConfig c;
    c.public_url = std::move(public_url);
    c.trust_proxy = trust_proxy;
    return c;
}

TEST(Links, FromTheHostHeaderByDefaultAndLocationsStayPaths) {
    const Links l = Links::of(config("", false), {"img.example.com:8000", "https", "proxy.example"});
    EXPECT_EQ(l.absolute("/bytes/x"), "http://img.example.com:8000/bytes/x"); // X-Forwarded-* ignored
    EXPECT_EQ(l.location("/image/x/"), "/image/x/");
    EXPECT_EQ(Links::of(config("", false), {"evil.example/<script>", "", ""}).absolute("/a"), "http://localhost/a");
    EXPECT_EQ(Links::of(config("", false), {"", "", ""}).absolute("/a"), "http://localhost/a");
}

TEST(Links, PublicUrlWinsKeepsItsBasePathAndMakesLocationsAbsolute) {
    for (const char* base : {"https://cdn.example/base/", "https://cdn.example/base", "https://cdn.example/base//"}) {
        const Links l = Links::of(config(base, true), {"evil.example", "http", "evil2.example"});
        EXPECT_EQ(l.absolute("/bytes/x"), "https://cdn.example/base/bytes/x") << base;
        EXPECT_EQ(l.location("/image/x/"), "https://cdn.example/base/image/x/") << base;
    }
    EXPECT_EQ(Links::of(config("https://cdn.example/", false), {}).absolute("/bytes/x"), "https://cdn.example/bytes/x");
}

TEST(Links, TrustedProxyHeadersTheirFirstSaneValue) {
    const ServerConfig c = config("", true);
    EXPECT_EQ(Links::of(c, {"internal:8000", "https", "img.example.com"}).absolute("/a"), "https://img.example.com/a");
    EXPECT_EQ(Links::of(c, {"internal:8000", " HTTPS , http", "img.example.com, proxy2"}).absolute("/a"),
              "https://img.example.com/a");
    // A scheme other than http(s), or a host with other characters, is not taken.
    EXPECT_EQ(Links::of(c, {"internal:8000", "javascript", "a b"}).absolute("/a"), "http://internal:8000/a");
    EXPECT_EQ(Links::of(c, {"internal:8000", "", ""}).absolute("/a"), "http://internal:8000/a");
    EXPECT_EQ(Links::of(c, {"internal:8000", "https", ""}).absolute("/a"), "https://internal:8000/a");
}

TEST(Links, PublicUrlMustBeAnHttpUrl) {
    for (const char* ok : {"", "http://a", "https://img.example.com/base/", "HTTPS://A:8443"}) {
        EXPECT_NO_THROW(check_public_url(ok)) << ok;
    }
    for (const char* bad : {"img.example.com", "ftp://a", "https://", "https:///x", "https://a/?q=1", "https://a/#f",
                            "https://a b/"}) {
        EXPECT_THROW(check_public_url(bad), std::invalid_argument) << bad;
    }
}

} // namespace
} // namespace imgpipe::http
