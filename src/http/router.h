#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imgpipe::http {

enum class RouteKind {
    upload,    // POST /image/upload/
    link,      // POST /image/link/
    image,     // GET /image/<id>/[<chain>/...]   JSON metadata (creating the derivative)
    bytes,     // GET|HEAD /bytes/<id>[/<chain>...]  the image bytes
    health,    // GET /health
    metrics,   // GET /metrics (Prometheus text format)
};

struct Route {
    RouteKind kind = RouteKind::health;
    std::string id;                   // the UUID
    std::vector<std::string> chain;   // percent-decoded path segments after the id
    std::string path;                 // the decoded path, for signatures
    std::string expires, signature;   // query parameters of signed links
    std::string sig;                  // query parameter of signed transform URLs
};

// Matches method and target. Throws Error(not_found) for an unknown path and
// Error(method_not_allowed) (with the allowed methods in `allow`) for a known path.
Route route(std::string_view method, std::string_view target, std::string& allow);

} // namespace imgpipe::http
