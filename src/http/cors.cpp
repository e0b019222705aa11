#include "http/cors.h"

#include "core/text.h"
#include "http/links.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace imgpipe::http {

namespace {

// What a page may read of an answer besides the safelisted headers.
constexpr const char* kExposed =
    "Accept-Ranges, Allow, Content-Range, ETag, Location, Retry-After, WWW-Authenticate, X-Request-Id";
// What a page may send: the API key, forms, conditional and range requests, its own request id.
constexpr const char* kAllowedHeaders = "Authorization, Content-Type, If-None-Match, If-Range, Range, X-Request-Id";
// Seconds a browser may reuse a preflight's answer (Chromium caps it at 7200).
constexpr const char* kMaxAge = "3600";

bool is_origin(std::string_view s) {
    const auto sep = s.find("://");
    if (sep == std::string_view::npos || sep == 0) return false;
    const std::string_view scheme = s.substr(0, sep);
    if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return false;
    for (unsigned char c : scheme) {
        if (!(std::isalnum(c) || c == '+' || c == '-' || c == '.')) return false;
    }
    return sane_host(s.substr(sep + 3));
}

void append_vary(Headers& headers, std::string_view value) {
    for (auto& [name, v] : headers) {
        if (to_lower(name) == "vary") {
            v += ", " + std::string(value);
            return;
        }
    }
    headers.emplace_back("Vary", std::string(value));
}

} // namespace

Cors::Cors(std::string_view origins) {
    while (!origins.empty()) {
        const auto comma = origins.find(',');
        const std::string entry = to_lower(trim(origins.substr(0, comma)));
        origins = comma == std::string_view::npos ? "" : origins.substr(comma + 1);
        if (entry.empty()) continue;
        if (entry == "*") {
            any_ = true;
        } else if (is_origin(entry)) {
            origins_.push_back(entry);
        } else {
            throw std::invalid_argument("cors-origins: '" + entry +
                                        "' is not an origin like https://app.example.com (no path, no '/' "
                                        "at the end) or *");
        }
    }
    if (any_ && !origins_.empty()) {
        throw std::invalid_argument("cors-origins: '*' already allows every origin; list it alone");
    }
}

bool Cors::allows(std::string_view origin) const {
    if (origin.empty()) return false;
    return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void Cors::add_headers(std::string_view origin, Headers& headers) const {
    if (!enabled()) return;
    if (any_) {
        headers.emplace_back("Access-Control-Allow-Origin", "*");
    } else {
        append_vary(headers, "Origin");
        if (!allows(origin)) return;
        headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    }
    headers.emplace_back("Access-Control-Expose-Headers", kExposed);
}

void Cors::add_preflight_headers(std::string_view methods, Headers& headers) {
    headers.emplace_back("Access-Control-Allow-Methods", std::string(methods));
    headers.emplace_back("Access-Control-Allow-Headers", kAllowedHeaders);
    headers.emplace_back("Access-Control-Max-Age", kMaxAge);
}

} // namespace imgpipe::http
