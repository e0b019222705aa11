#pragma once

#include <utility> // before Asio: awaitable.hpp uses std::exchange without including it
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imgpipe::http {

class Api;
struct Request;
struct Response;

// What the session reads before calling a route's handler.
enum class BodyPolicy {
    none,            // no body expected: a small one is read and dropped to keep the connection
    multipart_spool, // a multipart form whose `file` part is spooled to disk (up to the upload limit)
    form_fields,     // a small urlencoded or multipart form, kept in memory as fields
};

// The security headers of the answer.
enum class HeaderPolicy {
    api,  // JSON and images: a CSP that lets a browser show an image and nothing else
    page, // the web page: its own scripts, styles and images may load, nothing from elsewhere
};

using Handler = boost::asio::awaitable<Response> (Api::*)(Request);

// One route. `pattern` is the path as openapi.json writes it: literal segments, `{id}` and `{asset}`
// (one segment each) and a last `{chain}` (one or more segments). Trailing slashes are optional.
struct RouteSpec {
    std::string_view name;    // for metrics and access logs: "upload", "image", ...
    std::string_view pattern; // "/image/{id}/{chain}/"
    std::string_view methods; // "GET, HEAD": the Allow header of a 405
    BodyPolicy body;
    HeaderPolicy headers;
    bool needs_api_key; // checked before a byte of the body is read
    Handler handler;
    std::string_view asset = {}; // the embedded file a fixed-asset route serves
};

// Every route, in match order (routes.cpp).
std::span<const RouteSpec> routes();

struct Route {
    const RouteSpec* spec = nullptr;
    std::string id;                   // {id}: the UUID
    std::vector<std::string> chain;   // {chain}: percent-decoded path segments after the id
    std::string asset;                // {asset}, or the spec's fixed asset
    std::string path;                 // the decoded path, for signatures
    std::string expires, signature;   // query parameters of signed links
    std::string sig;                  // query parameter of signed transform URLs
    std::string query;                // the raw query, for handlers with parameters of their own
};

// The percent-decoded value of the first parameter `name` of a raw query ("a=1&b"): "" for one
// without a value, nullopt when there is none.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

// Matches method and target against routes(): the first route whose path and method match. Throws Error(not_found) for an unknown path and
// Error(method_not_allowed) for a known path, with the methods of all its routes in `allow` and
// its first route in `*path_match` (when given).
Route route(std::string_view method, std::string_view target, std::string& allow,
            const RouteSpec** path_match = nullptr);

// The first route whose path matches `target`, whatever the method (for OPTIONS), and in `*methods`
// (when given) the methods of all the routes of that path. Throws as route() does for an unknown
// path or a target that is too long.
const RouteSpec& route_of_path(std::string_view target, std::string* methods = nullptr);

} // namespace imgpipe::http
