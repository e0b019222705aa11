#include "core/storage/hot_blobs.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

HotBlobs::Bytes bytes(size_t n, char c = 'x') { return std::make_shared<const std::string>(n, c); }

TEST(HotBlobs, KeepsTheMostRecentlyUsedUnderItsBytes) {
    HotBlobs hot(100, 60);
    hot.put("a", bytes(40, 'a'));
    hot.put("b", bytes(40, 'b'));
    EXPECT_EQ(hot.bytes(), 80u);
    ASSERT_NE(hot.get("a"), nullptr); // a used: b is now the least recently used
    hot.put("c", bytes(40, 'c'));
    EXPECT_EQ(hot.bytes(), 80u);
    EXPECT_EQ(hot.get("b"), nullptr);
    EXPECT_EQ(*hot.get("a"), std::string(40, 'a'));
    EXPECT_EQ(*hot.get("c"), std::string(40, 'c'));
    // Over the size of one object: never kept.
    EXPECT_FALSE(hot.admits(61));
    hot.put("d", bytes(61));
    EXPECT_EQ(hot.get("d"), nullptr);
    EXPECT_EQ(hot.bytes(), 80u);
    // Put again: replaced, counted once.
    hot.put("a", bytes(10, 'A'));
    EXPECT_EQ(hot.bytes(), 50u);
    EXPECT_EQ(*hot.get("a"), std::string(10, 'A'));
}

TEST(HotBlobs, RemembersTheLastIdsAskedForOnce) {
    HotBlobs hot(1000, 1000);
    EXPECT_FALSE(hot.asked_before("a"));
    EXPECT_TRUE(hot.asked_before("a"));
    for (size_t i = 0; i < HotBlobs::kRemembered; ++i) EXPECT_FALSE(hot.asked_before("x" + std::to_string(i)));
    EXPECT_FALSE(hot.asked_before("a")) << "forgotten after kRemembered others";
    EXPECT_TRUE(hot.asked_before("x" + std::to_string(HotBlobs::kRemembered - 1)));
}

TEST(HotBlobs, ErasesAnImageWithItsVariantsOnly) {
    HotBlobs hot(1000, 1000);
    const std::string one = "0b7c1bd2-8c7e-4d6f-9a51-3c2d1e0f9a8b", two = "1b7c1bd2-8c7e-4d6f-9a51-3c2d1e0f9a8b";
    for (const std::string& id : {one, one + "/rotate:10", one + "/scale:10x10", two, two + "/rotate:10"}) {
        hot.put(id, bytes(10));
    }
    hot.erase_image(one);
    EXPECT_EQ(hot.get(one), nullptr);
    EXPECT_EQ(hot.get(one + "/rotate:10"), nullptr);
    EXPECT_EQ(hot.get(one + "/scale:10x10"), nullptr);
    EXPECT_NE(hot.get(two), nullptr);
    EXPECT_NE(hot.get(two + "/rotate:10"), nullptr);
    EXPECT_EQ(hot.bytes(), 20u);
    hot.erase(two);
    EXPECT_EQ(hot.bytes(), 10u);
}

} // namespace
} // namespace imgpipe
