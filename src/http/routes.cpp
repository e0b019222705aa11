// The route table: every path the server answers, its methods, what the session reads before the
// handler runs, and which security headers the answer gets. A new route is one line here and a
// handler in Api; openapi.json describes every one of them (a unit test checks).
#include "http/api.h"
#include "http/router.h"

namespace imgpipe::http {

namespace {

using enum BodyPolicy;
using enum HeaderPolicy;

// Literal paths first: the first route whose path matches decides.
constexpr RouteSpec kRoutes[] = {
    {"upload", "/image/upload/", "POST", multipart_spool, api, true, &Api::upload},
    {"link", "/image/link/", "POST", form_fields, api, true, &Api::link},
    {"list", "/image/", "GET, HEAD", none, api, true, &Api::list},
    {"image", "/image/{id}/", "GET, HEAD", none, api, false, &Api::image},
    {"delete", "/image/{id}/", "DELETE", none, api, true, &Api::remove},
    {"image", "/image/{id}/{chain}/", "GET, HEAD", none, api, false, &Api::image},
    {"delete", "/image/{id}/{chain}/", "DELETE", none, api, true, &Api::remove},
    {"bytes", "/bytes/{id}", "GET, HEAD", none, api, false, &Api::bytes},
    {"bytes", "/bytes/{id}/{chain}", "GET, HEAD", none, api, false, &Api::bytes},
    {"health", "/health", "GET, HEAD", none, api, false, &Api::health},
    {"ready", "/ready", "GET, HEAD", none, api, false, &Api::ready},
    {"metrics", "/metrics", "GET, HEAD", none, api, false, &Api::metrics},
    {"ops", "/ops", "GET, HEAD", none, api, false, &Api::ops},
    {"page", "/", "GET, HEAD", none, page, false, &Api::asset, "index.html"},
    {"asset", "/ui/{asset}", "GET, HEAD", none, page, false, &Api::asset},
    {"openapi", "/openapi.json", "GET, HEAD", none, api, false, &Api::asset, "openapi.json"},
};

} // namespace

std::span<const RouteSpec> routes() { return kRoutes; }

} // namespace imgpipe::http
