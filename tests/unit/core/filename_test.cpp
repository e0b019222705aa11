#include "core/filename.h"

#include <gtest/gtest.h>

#include <string>

namespace imgpipe {
namespace {

TEST(Filename, KeepsUtf8AndDropsWhatCannotBeEchoed) {
    EXPECT_EQ(sanitize_filename("photo.jpg"), "photo.jpg");
    EXPECT_EQ(sanitize_filename("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\xb7.jpg"),
              "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\xb7.jpg");
    EXPECT_EQ(sanitize_filename("a\r\nb/c\\d\"e\x7f.png"), "abcde.png");
    EXPECT_EQ(sanitize_filename("  lead.png"), "lead.png");
    EXPECT_EQ(sanitize_filename(""), "image");
    EXPECT_EQ(sanitize_filename("/\r\n"), "image");
    EXPECT_EQ(sanitize_filename(".."), "image");
}

TEST(Filename, BytesThatAreNotUtf8BecomeReplacementCharacters) {
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(sanitize_filename("caf\xe9.png"), "caf" + fffd + ".png");         // Latin-1
    EXPECT_EQ(sanitize_filename("\xc0\xaf.png"), fffd + fffd + ".png");         // overlong '/'
    EXPECT_EQ(sanitize_filename("\xed\xa0\x80.png"), fffd + fffd + fffd + ".png"); // a surrogate
    EXPECT_EQ(sanitize_filename("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd); // past U+10FFFF
    EXPECT_EQ(sanitize_filename("x\xe6\x97"), "x" + fffd + fffd);               // cut short
}

TEST(Filename, TruncatesToWholeCharacters) {
    std::string name(254, 'a');
    name += "\xc3\xa9\xc3\xa9"; // two 2-byte characters: the first no longer fits
    EXPECT_EQ(sanitize_filename(name), std::string(254, 'a'));
    EXPECT_EQ(sanitize_filename(std::string(300, 'b')), std::string(255, 'b'));
}

} // namespace
} // namespace imgpipe
