#include "core/errors.h"
#include "http/api.h"
#include "http/router.h"

#include <gtest/gtest.h>

namespace imgpipe::http {
namespace {

const std::string kId = "1f30c695-93c9-44ef-bca7-b38da75bb1fe";

ErrorCode route_error(std::string_view method, std::string_view target, std::string* allow = nullptr) {
    std::string a;
    try {
        route(method, target, a);
    } catch (const Error& e) {
        if (allow) *allow = a;
        return e.code();
    }
    ADD_FAILURE() << "no error for " << method << " " << target;
    return ErrorCode::internal;
}

TEST(Router, Routes) {
    std::string allow;
    EXPECT_EQ(route("POST", "/image/upload/", allow).spec->name, "upload");
    EXPECT_EQ(route("POST", "/image/upload", allow).spec->name, "upload");
    EXPECT_EQ(route("POST", "/image/link/", allow).spec->name, "link");
    const Route meta = route("GET", "/image/" + kId + "/", allow);
    EXPECT_EQ(meta.spec->name, "image");
    EXPECT_EQ(meta.id, kId);
    EXPECT_TRUE(meta.chain.empty());
    const Route t = route("GET", "/image/" + kId + "/rotate:10%7Cconvert:png|scale:200x100/scale:5x/", allow);
    ASSERT_EQ(t.chain.size(), 2u);
    EXPECT_EQ(t.chain[0], "rotate:10|convert:png|scale:200x100");
    EXPECT_EQ(t.chain[1], "scale:5x");
    const Route b = route("HEAD", "/bytes/" + kId + "/convert:png?expires=5&signature=ab%63", allow);
    EXPECT_EQ(b.spec->name, "bytes");
    EXPECT_EQ(b.expires, "5");
    EXPECT_EQ(b.signature, "abc");
    EXPECT_EQ(b.path, "/bytes/" + kId + "/convert:png");
}

TEST(Router, UnknownPathsAre404AndWrongMethods405) {
    EXPECT_EQ(route_error("GET", "/nope"), ErrorCode::not_found);
    EXPECT_EQ(route_error("GET", "/images/"), ErrorCode::not_found);
    EXPECT_EQ(route_error("GET", "relative"), ErrorCode::not_found);
    EXPECT_EQ(route_error("GET", "/" + std::string(9000, 'a')), ErrorCode::uri_too_long);
    std::string allow;
    EXPECT_EQ(route_error("GET", "/image/upload/", &allow), ErrorCode::method_not_allowed);
    EXPECT_EQ(allow, "POST");
    EXPECT_EQ(route_error("PUT", "/image/" + kId + "/", &allow), ErrorCode::method_not_allowed);
    EXPECT_EQ(allow, "GET, HEAD, DELETE"); // the methods of both routes of this path
    EXPECT_EQ(route_error("HEA", "/health"), ErrorCode::method_not_allowed);
    EXPECT_EQ(route_error("POST", "/image/" + kId + "/rotate:10/", &allow), ErrorCode::method_not_allowed);
    EXPECT_EQ(allow, "GET, HEAD, DELETE");
    EXPECT_EQ(route_error("DELETE", "/image/", &allow), ErrorCode::method_not_allowed);
    EXPECT_EQ(allow, "GET, HEAD");
}

TEST(Router, RouteOfPathIgnoresTheMethod) {
    EXPECT_EQ(route_of_path("/image/upload/").name, "upload");
    EXPECT_EQ(route_of_path("/image/" + kId + "/rotate:10/?sig=x").name, "image");
    EXPECT_EQ(route_of_path("/bytes/" + kId).name, "bytes");
    std::string methods; // OPTIONS lists the methods of every route of the path
    EXPECT_EQ(route_of_path("/image/" + kId + "/", &methods).name, "image");
    EXPECT_EQ(methods, "GET, HEAD, DELETE");
    EXPECT_THROW(route_of_path("/nope"), Error);
    EXPECT_THROW(route_of_path("/" + std::string(9000, 'a')), Error);
}

TEST(Router, EachRouteHasItsPolicies) {
    std::string allow;
    const Route up = route("POST", "/image/upload/", allow);
    EXPECT_EQ(up.spec->body, BodyPolicy::multipart_spool);
    EXPECT_TRUE(up.spec->needs_api_key);
    const Route link = route("POST", "/image/link", allow);
    EXPECT_EQ(link.spec->body, BodyPolicy::form_fields);
    EXPECT_TRUE(link.spec->needs_api_key);
    const Route img = route("GET", "/image/" + kId + "/scale:2x/", allow);
    EXPECT_EQ(img.spec->body, BodyPolicy::none);
    EXPECT_FALSE(img.spec->needs_api_key);
    EXPECT_EQ(img.spec->headers, HeaderPolicy::api);
    EXPECT_EQ(img.spec->handler, &Api::image);
    const Route page = route("GET", "/", allow);
    EXPECT_EQ(page.spec->name, "page");
    EXPECT_EQ(page.spec->headers, HeaderPolicy::page);
    EXPECT_EQ(page.asset, "index.html");
    const Route js = route("HEAD", "/ui/app.js", allow);
    EXPECT_EQ(js.spec->name, "asset");
    EXPECT_EQ(js.asset, "app.js");
    EXPECT_EQ(route("GET", "/openapi.json", allow).asset, "openapi.json");
    EXPECT_EQ(route_error("GET", "/ui/a/b"), ErrorCode::not_found);
    // The 'upload' in a GET path is an id, not the upload route.
    EXPECT_EQ(route_error("GET", "/image/upload/", &allow), ErrorCode::method_not_allowed);
    // One path, two routes: the method picks, and each has its own key rule.
    const Route del = route("DELETE", "/image/" + kId + "/rotate:10/", allow);
    EXPECT_EQ(del.spec->handler, &Api::remove);
    EXPECT_TRUE(del.spec->needs_api_key);
    EXPECT_EQ(del.chain, std::vector<std::string>{"rotate:10"});
    const Route list = route("GET", "/image/?limit=5&after=x", allow);
    EXPECT_EQ(list.spec->handler, &Api::list);
    EXPECT_TRUE(list.spec->needs_api_key);
    EXPECT_EQ(query_value(list.query, "limit"), "5");
    EXPECT_EQ(query_value(list.query, "after"), "x");
    EXPECT_EQ(query_value("a&b=%41", "a"), "");
    EXPECT_EQ(query_value("a&b=%41", "b"), "A");
    EXPECT_EQ(query_value("a&b=%41", "c"), std::nullopt);
}

} // namespace
} // namespace imgpipe::http
