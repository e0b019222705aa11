#include "core/errors.h"
#include "core/ops/parse.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

std::string canon(std::string_view chain, int max_ops = 16) {
    return parse_chain({chain}, max_ops).canonical();
}

ErrorCode error_of(std::string_view chain, std::string* message = nullptr, int max_ops = 16) {
    try {
        parse_chain({chain}, max_ops);
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.code();
    }
    ADD_FAILURE() << "no error for " << chain;
    return ErrorCode::internal;
}

TEST(ParseChain, OriginalExample) {
    EXPECT_EQ(canon("rotate:10|convert:png|scale:200x100"), "rotate:10|convert:png|scale:200x100");
}

TEST(ParseChain, EquivalentSpellingsShareOneCanonicalForm) {
    const std::string expected = "rotate:10|convert:jpeg|scale:200x100";
    for (const char* c : {"rotate:370|convert:jpg|scale:200x100", "rotate:10.0|convert:JPEG|resize:200x100",
                          " ROTATE : 10 | Convert:Jpg | Scale:200X100 ", "rotate:-350|convert:jpeg|scale:0200x0100",
                          "rotate:+10.000|convert:jpg|resize:200x100"}) {
        EXPECT_EQ(canon(c), expected) << c;
    }
}

TEST(ParseChain, AnglesNormaliseIntoZeroTo360) {
    EXPECT_EQ(canon("rotate:-90"), "rotate:270");
    EXPECT_EQ(canon("rotate:725.5"), "rotate:5.5");
    EXPECT_EQ(canon("rotate:0.1234567"), "rotate:0.123457");
    EXPECT_EQ(canon("rotate:.5"), "rotate:0.5");
}

TEST(ParseChain, IdentityRotationsAndRepeatedConvertsDisappear) {
    EXPECT_EQ(canon("rotate:0|scale:10x"), "scale:10x");
    EXPECT_EQ(canon("rotate:360"), "");
    EXPECT_EQ(canon("convert:png|rotate:0|convert:png"), "convert:png");
    // Different formats in a row are kept: a JPEG step flattens alpha.
    EXPECT_EQ(canon("convert:jpeg|convert:png"), "convert:jpeg|convert:png");
}

TEST(ParseChain, ScaleForms) {
    EXPECT_EQ(canon("scale:200x"), "scale:200x");
    EXPECT_EQ(canon("scale:x100"), "scale:x100");
    EXPECT_EQ(canon("convert:tif|convert:avif|convert:webp|convert:gif"),
              "convert:tiff|convert:avif|convert:webp|convert:gif");
}

TEST(ParseChain, OpsMayRepeatInAnyOrder) {
    EXPECT_EQ(canon("scale:100x|rotate:45|scale:50x50|rotate:45"),
              "scale:100x|rotate:45|scale:50x50|rotate:45");
}

TEST(ParseChain, SegmentsConcatenate) {
    EXPECT_EQ(parse_chain({"rotate:10", "convert:png|scale:20x10"}, 16).canonical(),
              "rotate:10|convert:png|scale:20x10");
}

TEST(ParseChain, ErrorsNameTheBadOp) {
    std::string msg;
    EXPECT_EQ(error_of("rotate:10|rotat:5", &msg), ErrorCode::invalid_chain);
    EXPECT_NE(msg.find("rotat:5"), std::string::npos) << msg;
    EXPECT_EQ(error_of("scale:0x0", &msg), ErrorCode::invalid_chain);
    EXPECT_NE(msg.find("scale:0x0"), std::string::npos) << msg;
    EXPECT_EQ(error_of("convert:bmp", &msg), ErrorCode::invalid_chain);
    EXPECT_NE(msg.find("convert:bmp"), std::string::npos) << msg;
}

TEST(ParseChain, RejectsMalformedArguments) {
    for (const char* c : {"rotate:nan", "rotate:inf", "rotate:-inf", "rotate:1e3", "rotate:0x10",
                          "rotate:", "rotate", "rotate:10deg", "scale:-5x10", "scale:x", "scale:10",
                          "scale:10x10x10", "scale:1.5x2", "scale:20000000x1", "convert:", "|",
                          "rotate:10|", "rotate:10||scale:1x1", "", "resize:abc", "rotate:1 0"}) {
        EXPECT_EQ(error_of(c), ErrorCode::invalid_chain) << c;
    }
}

TEST(ParseChain, OpCountLimitIsCheckedBeforeParsing) {
    std::string many;
    for (int i = 0; i < 10000; ++i) many += "rotate:1|";
    many += "nonsense";
    EXPECT_EQ(error_of(many), ErrorCode::too_many_ops);
    EXPECT_EQ(error_of("rotate:1|rotate:2|rotate:3", nullptr, 2), ErrorCode::too_many_ops);
    EXPECT_NO_THROW(parse_chain({"rotate:1|rotate:2"}, 2));
}

TEST(ParseChain, LongGarbageIsCutInMessages) {
    std::string msg;
    error_of(std::string(5000, 'z'), &msg);
    EXPECT_LT(msg.size(), 300u);
}

} // namespace
} // namespace imgpipe
