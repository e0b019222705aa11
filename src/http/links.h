#pragma once

#include "core/config.h"

#include <string>
#include <string_view>

namespace imgpipe::http {

// Where the links of one answer point: the `url` of the JSON answers and `Location`. Built once per
// request, from the configuration and the request's headers, so no handler reads Host itself.
class Links {
public:
    Links() = default; // http://localhost

    // What a request says about the origin its client used.
    struct Origin {
        std::string_view host;            // Host
        std::string_view forwarded_proto; // X-Forwarded-Proto, read only with --trust-proxy
        std::string_view forwarded_host;  // X-Forwarded-Host, read only with --trust-proxy
    };
    // --public-url when set; else, with --trust-proxy, the first X-Forwarded-Proto (http or https)
    // and X-Forwarded-Host (when sane) of the request; else http://<Host>. A client's Host thus
    // shapes the links of its own answers unless --public-url is set (README "Links").
    static Links of(const ServerConfig& config, const Origin& origin);

    // The absolute URL of `path` (which starts with '/'): the base path of --public-url is kept
    // and no "//" appears where they meet.
    std::string absolute(std::string_view path) const;
    // What `Location` says for `path`: absolute under --public-url (a proxy may serve imgpipe
    // under a base path, which a path from the root would lose), else the path itself.
    std::string location(std::string_view path) const;

private:
    Links(std::string base, bool configured) : base_(std::move(base)), configured_(configured) {}
    std::string base_ = "http://localhost"; // "https://img.example.com/base", no '/' at the end
    bool configured_ = false;               // base_ is --public-url
};

// A host as it may appear in a link: 1-255 letters, digits and ".-:[]".
bool sane_host(std::string_view host);
// The Host header when sane_host, else "localhost".
std::string safe_host(std::string_view host);

// Throws std::invalid_argument unless `url` is empty or an http(s) URL without query or fragment.
void check_public_url(std::string_view url);

} // namespace imgpipe::http
