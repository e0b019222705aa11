#include "http/range.h"

#include <gtest/gtest.h>

namespace imgpipe::http {
namespace {

void expect_part(std::string_view header, uint64_t size, uint64_t first, uint64_t length) {
    const RangeAnswer a = answer_range(header, size);
    EXPECT_EQ(a.kind, RangeAnswer::part) << header;
    EXPECT_EQ(a.first, first) << header;
    EXPECT_EQ(a.length, length) << header;
}

TEST(Range, OneRangeOfEachForm) {
    expect_part("bytes=0-0", 100, 0, 1);
    expect_part("bytes=10-19", 100, 10, 10);
    expect_part("bytes=10-", 100, 10, 90);
    expect_part("bytes=-10", 100, 90, 10);
    expect_part("bytes=0-", 100, 0, 100);
    expect_part("Bytes = 5-6", 100, 5, 2);
    // Clipped to the object: an end past it, a suffix longer than it.
    expect_part("bytes=90-1000", 100, 90, 10);
    expect_part("bytes=-1000", 100, 0, 100);
    expect_part("bytes=99-99999999999999999999999", 100, 99, 1);
}

TEST(Range, BeyondTheEndIsUnsatisfiable) {
    for (const char* h : {"bytes=100-", "bytes=100-200", "bytes=-0", "bytes=99999999999999999999999-"}) {
        EXPECT_EQ(answer_range(h, 100).kind, RangeAnswer::unsatisfiable) << h;
    }
    EXPECT_EQ(answer_range("bytes=-5", 0).kind, RangeAnswer::unsatisfiable);
}

TEST(Range, AnythingElseIsTheWholeObject) {
    for (const char* h : {"", "bytes=0-1,5-6", "bytes=0-1, 200-300", "items=0-1", "bytes=5-1", "bytes=a-b",
                          "bytes=-", "bytes=", "bytes 0-1", "bytes=+1-2", "bytes=1-2-3", "bytes=--1"}) {
        EXPECT_EQ(answer_range(h, 100).kind, RangeAnswer::whole) << h;
    }
}

TEST(Range, IfRangeHoldsOnlyForTheSameStrongEtag) {
    const std::string etag = "\"0123456789abcdef0123456789abcdef\"";
    EXPECT_TRUE(if_range_holds("", etag));
    EXPECT_TRUE(if_range_holds(etag, etag));
    EXPECT_FALSE(if_range_holds("W/" + etag, etag));
    EXPECT_FALSE(if_range_holds("\"other\"", etag));
    EXPECT_FALSE(if_range_holds("Wed, 21 Oct 2015 07:28:00 GMT", etag));
}

} // namespace
} // namespace imgpipe::http
