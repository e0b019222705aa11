#include "core/fetch/address_policy.h"
#include "core/fetch/fetcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace imgpipe {
namespace {

bool is_public(const std::string& text) {
    sockaddr_storage ss{};
    if (text.find(':') != std::string::npos) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &a->sin6_addr), 1) << text;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &a->sin_addr), 1) << text;
    }
    return is_public_address(reinterpret_cast<sockaddr*>(&ss));
}

TEST(AddressPolicy, RefusesNonPublicIPv4) {
    for (const char* a : {"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                          "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0",
                          "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.2.1",
                          "198.18.0.1"}) {
        EXPECT_FALSE(is_public(a)) << a;
    }
}

TEST(AddressPolicy, AllowsPublicIPv4) {
    for (const char* a : {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255",
                          "100.128.0.1", "93.184.216.34", "192.169.0.1"}) {
        EXPECT_TRUE(is_public(a)) << a;
    }
}

TEST(AddressPolicy, RefusesNonPublicIPv6IncludingMappedIPv4) {
    for (const char* a : {"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
                          "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a00:1",
                          "2002:7f00:1::1", "2001:db8::1", "fec0::1"}) {
        EXPECT_FALSE(is_public(a)) << a;
    }
}

TEST(AddressPolicy, AllowsPublicIPv6) {
    for (const char* a : {"2606:4700:4700::1111", "2a00:1450:4001:82b::200e", "::ffff:8.8.8.8",
                          "64:ff9b::808:808"}) {
        EXPECT_TRUE(is_public(a)) << a;
    }
}

TEST(FilenameFromUrl, TakesTheLastPathSegment) {
    EXPECT_EQ(filename_from_url("https://example.com/a/b/photo.jpg?x=1#y"), "photo.jpg");
    EXPECT_EQ(filename_from_url("https://example.com/a/my%20pic.png"), "my pic.png");
    EXPECT_EQ(filename_from_url("https://example.com/"), "image");
    EXPECT_EQ(filename_from_url("https://example.com/x%0d%0aSet-Cookie:%20a"), "xSet-Cookie: a");
    EXPECT_EQ(filename_from_url("https://example.com/..%2f..%2fetc"), "....etc");
}

} // namespace
} // namespace imgpipe

namespace imgpipe {
namespace {

sockaddr_storage address_of(const char* text) {
    sockaddr_storage s{};
    if (std::string_view(text).find(':') != std::string_view::npos) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&s);
        a->sin6_family = AF_INET6;
        EXPECT_EQ(::inet_pton(AF_INET6, text, &a->sin6_addr), 1);
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&s);
        a->sin_family = AF_INET;
        EXPECT_EQ(::inet_pton(AF_INET, text, &a->sin_addr), 1);
    }
    return s;
}

TEST(AllowedNetworks, MatchByPrefix) {
    const auto nets = parse_networks(" 10.1.2.0/23, 127.0.0.2, fd00::/8 ,");
    ASSERT_EQ(nets.size(), 3u);
    auto in = [&nets](const char* a) {
        const auto s = address_of(a);
        return in_networks(reinterpret_cast<const sockaddr*>(&s), nets);
    };
    EXPECT_TRUE(in("10.1.2.7"));
    EXPECT_TRUE(in("10.1.3.255"));
    EXPECT_FALSE(in("10.1.4.0"));
    EXPECT_FALSE(in("10.1.1.255"));
    EXPECT_TRUE(in("127.0.0.2"));
    EXPECT_FALSE(in("127.0.0.1"));
    EXPECT_TRUE(in("fd12::1"));
    EXPECT_FALSE(in("fe80::1"));
    EXPECT_FALSE(in("::ffff:10.1.2.7")) << "families are not mixed";
    EXPECT_TRUE(parse_networks("").empty());
}

TEST(AllowedNetworks, MalformedEntriesAreRefused) {
    for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "fd00::/129", "host.example", "10.0.0.0/", "10.0.0.0/-1",
                            "10.0.0.0/8x"}) {
        EXPECT_THROW(parse_networks(bad), std::invalid_argument) << bad;
    }
}

} // namespace
} // namespace imgpipe
