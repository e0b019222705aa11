#include "core/text.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

TEST(Text, PercentDecoding) {
    EXPECT_EQ(percent_decode("a%7Cb%7cc%2e%2E%zz%"), "a|b|c..%zz%");
    EXPECT_EQ(percent_decode("%00x"), std::string("\0x", 2));
    EXPECT_EQ(percent_decode("a+b%2"), "a+b%2");
}

TEST(Text, PercentEncodingKeepsOnlyWhatItIsTold) {
    EXPECT_EQ(percent_encode("rotate:10|convert:png", ":"), "rotate:10%7Cconvert:png");
    EXPECT_EQ(percent_encode("a b/..\r\n", "."), "a%20b%2F..%0D%0A");
    EXPECT_EQ(percent_decode(percent_encode("\xff\x01 any|thing", "")), "\xff\x01 any|thing");
}

TEST(Text, TrimAndLower) {
    EXPECT_EQ(trim(" \t x y \r\n"), "x y");
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(to_lower("ROTATE:10X20\xC3\x89"), "rotate:10x20\xC3\x89");
}

} // namespace
} // namespace imgpipe
