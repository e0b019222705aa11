#include "core/signing.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace imgpipe {
namespace {

TEST(UrlSigner, SignsAndVerifies) {
    const UrlSigner s("0123456789abcdef0123456789abcdef");
    const std::string link = s.sign("/bytes/abc", 1000);
    ASSERT_EQ(link.rfind("/bytes/abc?expires=1000&signature=", 0), 0u) << link;
    const std::string sig = link.substr(link.find("signature=") + 10);
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_TRUE(s.verify("/bytes/abc", "1000", sig, 999));
    EXPECT_TRUE(s.verify("/bytes/abc", "1000", sig, 1000));
    EXPECT_FALSE(s.verify("/bytes/abc", "1000", sig, 1001)) << "expired";
    EXPECT_FALSE(s.verify("/bytes/abd", "1000", sig, 999)) << "other path";
    EXPECT_FALSE(s.verify("/bytes/abc", "2000", sig, 999)) << "extended expiry";
    EXPECT_FALSE(s.verify("/bytes/abc", "1000x", sig, 999));
    EXPECT_FALSE(s.verify("/bytes/abc", "", sig, 999));
    std::string flipped = sig;
    flipped[5] = flipped[5] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(s.verify("/bytes/abc", "1000", flipped, 999));
    EXPECT_FALSE(UrlSigner("another secret, another signature").verify("/bytes/abc", "1000", sig, 999));
}

TEST(UrlSigner, SecretIsGeneratedOnceAndKept) {
    const auto dir = std::filesystem::temp_directory_path() / ("imgpipe-secret-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string a = load_or_create_secret(dir.string());
    const std::string b = load_or_create_secret(dir.string());
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 64u);
    const auto perms = std::filesystem::status(dir / "secret").permissions();
    EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace imgpipe
