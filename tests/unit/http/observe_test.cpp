#include "http/observe.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace imgpipe::http {
namespace {

TEST(Observe, SecretsInTheQueryAreRedacted) {
    EXPECT_EQ(redact_target("/bytes/x?expires=5&signature=abc"), "/bytes/x?expires=5&signature=REDACTED");
    EXPECT_EQ(redact_target("/image/x/scale:2x/?sig=abc"), "/image/x/scale:2x/?sig=REDACTED");
    EXPECT_EQ(redact_target("/a?X-Amz-Credential=k&X-Amz-Signature=s&api_key=1&token=2&w=3"),
              "/a?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&api_key=REDACTED&token=REDACTED&w=3");
    EXPECT_EQ(redact_target("/image/x/"), "/image/x/");
    EXPECT_EQ(redact_target("/a?flag&sig"), "/a?flag&sig");
}

TEST(Observe, ClientRequestIdsAreKeptWhenSaneAndReplacedOtherwise) {
    EXPECT_EQ(request_id("abc-123_x.y:z"), "abc-123_x.y:z");
    std::set<std::string> made;
    for (const std::string& bad : std::vector<std::string>{"", "a b", "x\"y", "new\nline", std::string(129, 'a'), "caf\xc3\xa9"}) {
        const std::string id = request_id(bad);
        EXPECT_NE(id, bad);
        EXPECT_EQ(request_id(id), id) << "a generated id is itself sane";
        made.insert(id);
    }
    EXPECT_EQ(made.size(), 6u) << "generated ids are unique";
}

} // namespace
} // namespace imgpipe::http
