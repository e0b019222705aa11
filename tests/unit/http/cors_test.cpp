#include "http/cors.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

namespace imgpipe::http {
namespace {

std::map<std::string, std::string> headers_for(const Cors& cors, std::string_view origin, Headers h = {}) {
    cors.add_headers(origin, h);
    return {h.begin(), h.end()};
}

TEST(Cors, OffByDefault) {
    const Cors off("");
    EXPECT_FALSE(off.enabled());
    EXPECT_FALSE(off.allows("https://a.example"));
    EXPECT_TRUE(headers_for(off, "https://a.example").empty());
}

TEST(Cors, AListedOriginIsEchoedAndEveryAnswerVariesByOrigin) {
    const Cors cors(" https://A.example , http://localhost:3000");
    EXPECT_TRUE(cors.allows("https://a.example"));
    EXPECT_TRUE(cors.allows("http://localhost:3000"));
    EXPECT_FALSE(cors.allows("https://a.example.evil"));
    EXPECT_FALSE(cors.allows("http://localhost:3001"));
    EXPECT_FALSE(cors.allows(""));
    auto h = headers_for(cors, "https://a.example");
    EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://a.example");
    EXPECT_EQ(h["Vary"], "Origin");
    EXPECT_NE(h["Access-Control-Expose-Headers"].find("ETag"), std::string::npos);
    EXPECT_EQ(h.count("Access-Control-Allow-Credentials"), 0u);
    h = headers_for(cors, "https://stranger.example");
    EXPECT_EQ(h.count("Access-Control-Allow-Origin"), 0u);
    EXPECT_EQ(h["Vary"], "Origin");
    // An answer that already varies (convert:auto) keeps its Vary.
    EXPECT_EQ(headers_for(cors, "", {{"Vary", "Accept"}})["Vary"], "Accept, Origin");
}

TEST(Cors, StarAllowsEveryOriginWithoutVary) {
    const Cors cors("*");
    EXPECT_TRUE(cors.allows("https://anyone.example"));
    auto h = headers_for(cors, "https://anyone.example");
    EXPECT_EQ(h["Access-Control-Allow-Origin"], "*");
    EXPECT_EQ(h.count("Vary"), 0u);
}

TEST(Cors, RefusesWhatIsNoOrigin) {
    for (const char* bad : {"https://a.example/", "a.example", "https://a.example/path", "*, https://a.example",
                            "https://", "://a"}) {
        EXPECT_THROW(Cors{bad}, std::invalid_argument) << bad;
    }
}

TEST(Cors, PreflightNamesTheRouteMethods) {
    Headers h;
    Cors::add_preflight_headers("GET, HEAD", h);
    std::map<std::string, std::string> m(h.begin(), h.end());
    EXPECT_EQ(m["Access-Control-Allow-Methods"], "GET, HEAD");
    EXPECT_NE(m["Access-Control-Allow-Headers"].find("Authorization"), std::string::npos);
    EXPECT_NE(m["Access-Control-Allow-Headers"].find("Range"), std::string::npos);
    EXPECT_EQ(m["Access-Control-Max-Age"], "3600");
}

} // namespace
} // namespace imgpipe::http
