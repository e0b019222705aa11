// Canonical forms and bad arguments of blur, sharpen, grayscale, background and quality, and the
// chain-level rules of canonical.h (source-independent in parse_chain, source-aware in canonical_for).
#include "core/errors.h"
#include "core/ops/canonical.h"
#include "core/ops/parse.h"

#include "support/chains.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

using test::canon;
using test::error_of;


std::string canon_for(std::string_view chain, Format source) {
    return canonical_for(parse_chain({chain}, 16), source).canonical();
}


TEST(FilterOps, CanonicalForms) {
    EXPECT_EQ(canon("blur:2"), "blur:2");
    EXPECT_EQ(canon("BLUR: 2.50 "), "blur:2.5");
    EXPECT_EQ(canon("blur:+.5"), "blur:0.5");
    EXPECT_EQ(canon("blur:0002.000"), "blur:2");
    EXPECT_EQ(canon("blur:1000"), "blur:1000");
    EXPECT_EQ(canon("blur:0.1234567"), "blur:0.123457");
    EXPECT_EQ(canon("sharpen"), "sharpen:1");
    EXPECT_EQ(canon("sharpen:1.0"), "sharpen:1");
    EXPECT_EQ(canon("Sharpen:0.75"), "sharpen:0.75");
    EXPECT_EQ(canon("greyscale"), "grayscale");
    EXPECT_EQ(canon("GrayScale"), "grayscale");
    EXPECT_EQ(canon("background:FF8800|rotate:10"), "background:ff8800|rotate:10");
    EXPECT_EQ(canon("background:f80|rotate:10"), "background:ff8800|rotate:10");
    EXPECT_EQ(canon("background:ff8800ff|rotate:10"), "background:ff8800|rotate:10");
    EXPECT_EQ(canon("background:f808|rotate:10"), "background:ff880088|rotate:10");
    EXPECT_EQ(canon("background:00000000|rotate:10"), "background:00000000|rotate:10");
    EXPECT_EQ(canon("quality:80"), "quality:80");
    EXPECT_EQ(canon("quality:080"), "quality:80");
    EXPECT_EQ(canon("quality:1|quality:100"), "quality:100");
}

TEST(FilterOps, BadArgumentsNameTheOpAndSayWhatIsWrong) {
    struct Case { const char* chain; const char* says; };
    for (const Case c : {Case{"blur", "sigma"}, Case{"blur:0", "greater than 0"}, Case{"blur:-1", "sigma"},
                         Case{"blur:1001", "at most 1000"}, Case{"blur:1e3", "plain decimal"},
                         Case{"blur:nan", "sigma"}, Case{"blur:inf", "sigma"}, Case{"blur:2x", "sigma"},
                         Case{"blur:0.0000001", "greater than 0"},
                         Case{"sharpen:0", "greater than 0"}, Case{"sharpen:5000", "at most 1000"},
                         Case{"sharpen:abc", "sigma"},
                         Case{"grayscale:1", "no argument"}, Case{"greyscale:yes", "no argument"},
                         Case{"background", "hex colour"}, Case{"background:red", "hex colour"},
                         Case{"background:ff880", "hex colour"}, Case{"background:#ff8800", "hex colour"},
                         Case{"background:ff8800ff00", "hex colour"},
                         Case{"quality", "1 to 100"}, Case{"quality:0", "1 to 100"}, Case{"quality:101", "1 to 100"},
                         Case{"quality:-5", "1 to 100"}, Case{"quality:50.5", "1 to 100"},
                         Case{"quality:99999999999", "1 to 100"}}) {
        const std::string msg = error_of(c.chain);
        EXPECT_NE(msg.find("invalid op '" + std::string(c.chain) + "'"), std::string::npos) << msg;
        EXPECT_NE(msg.find(c.says), std::string::npos) << c.chain << ": " << msg;
    }
    EXPECT_EQ(canon("background:ff88|rotate:1"), "background:ffff8888|rotate:1"); // 4 digits: rgba
}

TEST(ChainCanonical, QualityGoesLastOnceAndNotForLosslessOutputs) {
    EXPECT_EQ(canon("quality:50|rotate:10|quality:70|scale:10x"), "rotate:10|scale:10x|quality:70");
    EXPECT_EQ(canon("quality:50|convert:webp"), "convert:webp|quality:50");
    EXPECT_EQ(canon("quality:50|convert:png"), "convert:png");
    EXPECT_EQ(canon("convert:png|quality:50|convert:avif"), "convert:png|convert:avif|quality:50");
    EXPECT_EQ(canon("convert:webp|quality:50|convert:gif"), "convert:webp|convert:gif");
}

TEST(ChainCanonical, RepeatsCollapse) {
    EXPECT_EQ(canon("grayscale|grayscale"), "grayscale");
    EXPECT_EQ(canon("grayscale|greyscale|rotate:10|grayscale"), "grayscale|rotate:10|grayscale");
    EXPECT_EQ(canon("grayscale|quality:20|grayscale"), "grayscale|quality:20");
    EXPECT_EQ(canon("convert:png|quality:20|convert:png"), "convert:png");
    EXPECT_EQ(canon("blur:1|blur:1"), "blur:1|blur:1"); // two blurs are a stronger blur
}

TEST(ChainCanonical, BackgroundsNothingReadsDisappear) {
    // Overridden before anything reads it.
    EXPECT_EQ(canon("background:ff0000|scale:10x|background:00ff00|rotate:10"), "scale:10x|background:00ff00|rotate:10");
    EXPECT_EQ(canon("background:ff0000|rotate:10|background:00ff00|rotate:10"),
              "background:ff0000|rotate:10|background:00ff00|rotate:10");
    // A right-angle turn has no new corners; a format with alpha flattens nothing.
    EXPECT_EQ(canon("background:ff0000|rotate:90|convert:png"), "rotate:90|convert:png");
    EXPECT_EQ(canon("background:ff0000|rotate:90|convert:jpeg"), "background:ff0000|rotate:90|convert:jpeg");
    // At the end of a chain with no convert the output format is the source's: unknown here.
    EXPECT_EQ(canon("background:ff0000|grayscale"), "background:ff0000|grayscale");
    EXPECT_EQ(canon("background:ff0000|quality:10|convert:png"), "convert:png");
}

TEST(ChainCanonical, CanonicalChainsAreFixedPoints) {
    for (const char* c : {"quality:50|background:f00|grayscale|grayscale|convert:jpeg|blur:2|quality:60",
                          "background:ff0000|scale:10x|background:00ff00|rotate:10|sharpen|quality:5"}) {
        const std::string once = canon(c);
        EXPECT_EQ(canon(once), once) << c;
        for (Format f : {Format::jpeg, Format::png, Format::webp}) {
            const std::string aware = canon_for(c, f);
            EXPECT_EQ(canon(aware), aware) << c;
            EXPECT_EQ(canon_for(aware, f), aware) << c;
        }
    }
}

TEST(SourceAware, AConvertToTheFormatTheResultHasAnywayGoes) {
    EXPECT_EQ(canon_for("rotate:10|convert:jpeg", Format::jpeg), "rotate:10");
    EXPECT_EQ(canon_for("rotate:10|convert:jpg|quality:80", Format::jpeg), "rotate:10|quality:80");
    EXPECT_EQ(canon_for("rotate:10|convert:jpeg", Format::png), "rotate:10|convert:jpeg");
    EXPECT_EQ(canon_for("convert:png|scale:10x", Format::png), "scale:10x"); // alpha: no pixel changes
    // A JPEG convert flattens where it stands: with a rotation after it, it stays.
    EXPECT_EQ(canon_for("convert:jpeg|rotate:10", Format::jpeg), "convert:jpeg|rotate:10");
    // Without it the output would be another format.
    EXPECT_EQ(canon_for("convert:png|rotate:10|convert:jpeg", Format::jpeg), "convert:png|rotate:10|convert:jpeg");
    EXPECT_EQ(canon_for("convert:png|rotate:10|convert:png", Format::png), "rotate:10");
    // A chain that only re-encodes stays one: the original itself is not a re-encode.
    EXPECT_EQ(canon_for("convert:jpeg", Format::jpeg), "convert:jpeg");
    EXPECT_EQ(canon_for("quality:50", Format::png), "convert:png");
    EXPECT_EQ(canon_for("background:00ff00", Format::png), "convert:png");
    EXPECT_EQ(canon_for("quality:50", Format::jpeg), "quality:50");
}

TEST(SourceAware, QualityAndBackgroundFollowTheSourceFormat) {
    EXPECT_EQ(canon_for("rotate:10|quality:50", Format::png), "rotate:10");
    EXPECT_EQ(canon_for("rotate:10|quality:50", Format::gif), "rotate:10");
    EXPECT_EQ(canon_for("rotate:10|quality:50", Format::webp), "rotate:10|quality:50");
    EXPECT_EQ(canon_for("grayscale|background:ff0000", Format::png), "grayscale");
    EXPECT_EQ(canon_for("grayscale|background:ff0000", Format::jpeg), "grayscale|background:ff0000");
    EXPECT_EQ(canon_for("background:ff0000|rotate:10", Format::png), "background:ff0000|rotate:10");
}

} // namespace
} // namespace imgpipe
