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
    // --public-url when set; else http://<Host>.
    static Links of(const ServerConfig& config, std::string_view host);

    // The absolute URL of `path` (which starts with '/').
    std::string absolute(std::string_view path) const;
    // What `Location` says for `path`.
    std::string location(std::string_view path) const;

private:
    explicit Links(std::string base) : base_(std::move(base)) {}
    std::string base_ = "http://localhost"; // "https://img.example.com/base", no '/' at the end
};

// A Host header as it may appear in a link: letters, digits and ".-:[]", else "localhost".
std::string safe_host(std::string_view host);

} // namespace imgpipe::http
