#include "http/links.h"

#include "core/text.h"

#include <cctype>
#include <stdexcept>

namespace imgpipe::http {

namespace {

// The first value of a header that proxies append to ("https, http" after two hops: the first is
// what the client used).
std::string_view first_value(std::string_view header) { return trim(header.substr(0, header.find(','))); }

} // namespace

Links Links::of(const ServerConfig& config, const Origin& origin) {
    if (!config.public_url.empty()) {
        std::string_view base = config.public_url;
        while (base.ends_with('/')) base.remove_suffix(1);
        return Links(std::string(base), true);
    }
    std::string scheme = "http";
    std::string host = safe_host(origin.host);
    if (config.trust_proxy) {
        const std::string proto = to_lower(first_value(origin.forwarded_proto));
        if (proto == "http" || proto == "https") scheme = proto;
        const std::string_view forwarded = first_value(origin.forwarded_host);
        if (sane_host(forwarded)) host = std::string(forwarded);
    }
    return Links(scheme + "://" + host, false);
}

std::string Links::absolute(std::string_view path) const { return base_ + std::string(path); }

std::string Links::location(std::string_view path) const {
    return configured_ ? absolute(path) : std::string(path);
}

bool sane_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (unsigned char c : host) {
        if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) return false;
    }
    return true;
}

std::string safe_host(std::string_view host) { return sane_host(host) ? std::string(host) : "localhost"; }

void check_public_url(std::string_view url) {
    if (url.empty()) return;
    const std::string lower = to_lower(url);
    const size_t scheme = lower.starts_with("https://") ? 8 : lower.starts_with("http://") ? 7 : 0;
    if (scheme == 0 || url.size() == scheme || url[scheme] == '/' ||
        url.find_first_of("?# ") != std::string_view::npos) {
        throw std::invalid_argument("public-url must be an http:// or https:// URL without query or fragment, "
                                    "e.g. https://img.example.com/base/: " + std::string(url));
    }
}

} // namespace imgpipe::http
