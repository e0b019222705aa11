#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgpipe::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Cross-origin access for browsers (--cors-origins), off by default. With a list of origins, an
// answer to a listed Origin names it in Access-Control-Allow-Origin, and every answer says
// `Vary: Origin` (a shared cache must not hand one origin's answer to another); with `*` every
// answer allows any origin. No Access-Control-Allow-Credentials: API keys travel in Authorization,
// which a page sets itself, and imgpipe sets no cookies.
class Cors {
public:
    // "https://app.example.com, http://localhost:3000", or "*"; empty: off. Throws
    // std::invalid_argument for an entry that is neither `*` nor an origin (scheme://host[:port],
    // no path: what browsers send in Origin).
    explicit Cors(std::string_view origins);

    bool enabled() const { return any_ || !origins_.empty(); }
    bool allows(std::string_view origin) const;
    // The headers of any answer to a request with this Origin (empty when it has none).
    void add_headers(std::string_view origin, Headers& headers) const;
    // The headers of an allowed preflight's answer (OPTIONS with Access-Control-Request-Method) to
    // a route that takes `methods`.
    static void add_preflight_headers(std::string_view methods, Headers& headers);

private:
    bool any_ = false;
    std::vector<std::string> origins_; // lower-case, as browsers serialise them
};

} // namespace imgpipe::http
