#include "core/errors.h"
#include "core/ops/negotiate.h"
#include "core/ops/parse.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

constexpr const char* kChrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
constexpr const char* kFirefox = "image/avif,image/webp,*/*";
constexpr const char* kSafari =
    "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,"
    "image/svg+xml,image/*;q=0.8,*/*;q=0.5";

Chain chain(std::string_view text) { return parse_chain({text}, 16); }

TEST(Negotiate, BrowserMatrix) {
    struct Case {
        const char* accept;
        bool alpha;
        Format expected;
    } cases[] = {
        {kChrome, false, Format::avif},
        {kChrome, true, Format::avif},
        {kFirefox, false, Format::avif},
        {kSafari, false, Format::avif}, // both named with q=1: AVIF wins the tie
        {"*/*", false, Format::jpeg},   // curl: no preference
        {"*/*", true, Format::png},
        {"", false, Format::jpeg}, // no Accept header
        {"", true, Format::png},
        {"image/*", false, Format::jpeg}, // a wildcard names no format
        {"image/webp", false, Format::webp},
        {"image/avif;q=0,image/webp", false, Format::webp},
        {"image/avif;q=0, image/webp;q=0, */*", true, Format::png},
        {"image/avif ; q=0 ,image/webp ; Q = 0.5", false, Format::webp}, // spaces, case
        {"image/avif;q=0.5,image/webp;q=0.9", false, Format::webp},      // higher q wins
        {"image/avif;q=0.9,image/webp;q=0.9", false, Format::avif},
        {"IMAGE/AVIF", false, Format::avif},
        {"image/avif;q=0,image/*,*/*", false, Format::jpeg}, // refused by name: a wildcard does not readmit it
        {"image/avifx,image/webpx", false, Format::jpeg},   // no prefix matches
        {"image/avif;q=bogus", false, Format::avif},         // malformed q reads as 1
    };
    for (const auto& c : cases) {
        EXPECT_EQ(negotiate_format(c.accept, c.alpha), c.expected)
            << "Accept: " << c.accept << " alpha " << c.alpha;
    }
}

TEST(Negotiate, ConvertAutoParsesAsItsOwnCanonicalOp) {
    const Chain c = chain("scale:100x|convert:AUTO");
    EXPECT_EQ(c.canonical(), "scale:100x|convert:auto");
    EXPECT_TRUE(negotiates(c));
    EXPECT_FALSE(negotiates(chain("convert:jpeg")));
    // auto is not the default format: neither collapses into the other.
    EXPECT_EQ(chain("convert:jpeg|convert:auto").canonical(), "convert:jpeg|convert:auto");
    EXPECT_EQ(chain("convert:auto|convert:auto").canonical(), "convert:auto");
}

TEST(Negotiate, ConcreteChainReplacesEveryAutoAndStaysCanonical) {
    EXPECT_EQ(concrete_chain(chain("scale:100x|convert:auto"), Format::webp).canonical(),
              "scale:100x|convert:webp");
    // Equal to the chain spelled out: one stored object for both.
    EXPECT_EQ(concrete_chain(chain("convert:png|convert:auto"), Format::png).canonical(),
              chain("convert:png|convert:png").canonical());
    EXPECT_EQ(concrete_chain(chain("convert:auto|rotate:90|convert:auto"), Format::avif).canonical(),
              "convert:avif|rotate:90|convert:avif");
    EXPECT_FALSE(negotiates(concrete_chain(chain("convert:auto"), Format::jpeg)));
}

TEST(Negotiate, AlphaIsJudgedBySourceFormatAndEarlierConverts) {
    EXPECT_FALSE(may_have_alpha("image/jpeg", chain("convert:auto")));
    EXPECT_FALSE(may_have_alpha("image/heic", chain("convert:auto")));
    EXPECT_TRUE(may_have_alpha("image/png", chain("convert:auto")));
    EXPECT_TRUE(may_have_alpha("image/webp", chain("scale:10x|convert:auto")));
    // A convert to JPEG before the auto flattened the transparency; one after it does not count.
    EXPECT_FALSE(may_have_alpha("image/png", chain("convert:jpeg|convert:auto")));
    EXPECT_TRUE(may_have_alpha("image/png", chain("convert:auto|convert:jpeg")));
    EXPECT_FALSE(may_have_alpha("image/png", chain("convert:jpeg|convert:png|convert:auto")));
}

TEST(Negotiate, UnresolvedAutoIsRefusedByTheExecutor) {
    // Only the HTTP API knows Accept; anywhere else (the CLI) convert:auto must not pass as JPEG.
    const Op op = chain("convert:auto").ops.at(0);
    ChainContext ctx;
    const vips::VImage img = vips::VImage::black(4, 4);
    try {
        op_apply(op, img, ctx);
        FAIL() << "convert:auto was applied";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_chain);
        EXPECT_NE(std::string(e.what()).find("Accept"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace imgpipe
