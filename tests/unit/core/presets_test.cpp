#include "core/presets.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace imgpipe {
namespace {

Presets make(std::vector<std::string> presets, std::string eager = "", bool only = false) {
    return Presets(PresetsConfig{std::move(presets), only, std::move(eager)}, 16);
}

std::string refusal(std::vector<std::string> presets, std::string eager = "", bool only = false) {
    try {
        make(std::move(presets), std::move(eager), only);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted";
    return {};
}

TEST(Presets, ExpandAloneAndInsideAChain) {
    const Presets p = make({"thumb=scale:200x|convert:WEBP", "card=rotate:90"});
    // Stored in canonical form.
    EXPECT_EQ(p.expand({"thumb"}), std::vector<std::string>{"scale:200x|convert:webp"});
    EXPECT_EQ(p.expand({" Thumb |rotate:10"}), std::vector<std::string>{"scale:200x|convert:webp|rotate:10"});
    EXPECT_EQ(p.expand({"card", "thumb"}), (std::vector<std::string>{"rotate:90", "scale:200x|convert:webp"}));
    // Ops and unknown names pass through untouched (the parser judges them); empty ops stay empty.
    EXPECT_EQ(p.expand({"rotate:90|nope||"}), std::vector<std::string>{"rotate:90|nope||"});
    EXPECT_EQ(p.names(), "card, thumb");
}

TEST(Presets, AllPresets) {
    const Presets p = make({"thumb=scale:200x", "card=rotate:90"});
    EXPECT_TRUE(p.all_presets({}));
    EXPECT_TRUE(p.all_presets({"thumb"}));
    EXPECT_TRUE(p.all_presets({"thumb|card", "card"}));
    EXPECT_FALSE(p.all_presets({"thumb|rotate:90"}));
    EXPECT_FALSE(p.all_presets({"scale:200x"})); // the spelled-out chain is not a preset
    EXPECT_FALSE(p.all_presets({"thumb:1"}));
}

TEST(Presets, BadPresetsAreRefusedWithTheReason) {
    EXPECT_NE(refusal({"thumb"}).find("NAME=CHAIN"), std::string::npos);
    EXPECT_NE(refusal({"Thumb=scale:10x"}).find("a-z"), std::string::npos);
    EXPECT_NE(refusal({"th.umb=scale:10x"}).find("a-z"), std::string::npos);
    EXPECT_NE(refusal({"=scale:10x"}).find("a-z"), std::string::npos);
    EXPECT_NE(refusal({"rotate=scale:10x"}).find("name of an op"), std::string::npos);
    EXPECT_NE(refusal({"convert=scale:10x"}).find("name of an op"), std::string::npos);
    const std::string bad_chain = refusal({"thumb=scale:zz"});
    EXPECT_NE(bad_chain.find("preset 'thumb'"), std::string::npos) << bad_chain;
    EXPECT_NE(bad_chain.find("scale:zz"), std::string::npos) << bad_chain;
    EXPECT_NE(refusal({"a=rotate:0"}).find("no op"), std::string::npos);
    EXPECT_NE(refusal({"a=rotate:90", "a=rotate:180"}).find("twice"), std::string::npos);
    EXPECT_NE(refusal({"a=rotate:90"}, "a,b").find("'b' is not defined"), std::string::npos);
    EXPECT_NE(refusal({}, "", true).find("presets-only"), std::string::npos);
}

TEST(Presets, EagerChainsInOrder) {
    const Presets p = make({"a=rotate:90", "b=scale:10x|convert:auto"}, " b , a,");
    ASSERT_EQ(p.eager().size(), 2u);
    EXPECT_EQ(p.eager()[0].canonical(), "scale:10x|convert:auto");
    EXPECT_EQ(p.eager()[1].canonical(), "rotate:90");
}

} // namespace
} // namespace imgpipe
