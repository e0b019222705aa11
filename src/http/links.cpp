#include "http/links.h"

#include <cctype>

namespace imgpipe::http {

Links Links::of(const ServerConfig& config, std::string_view host) {
    if (!config.public_url.empty()) return Links(config.public_url);
    return Links("http://" + safe_host(host));
}

std::string Links::absolute(std::string_view path) const { return base_ + std::string(path); }

std::string Links::location(std::string_view path) const { return std::string(path); }

std::string safe_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return "localhost";
    for (unsigned char c : host) {
        if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) {
            return "localhost";
        }
    }
    return std::string(host);
}

} // namespace imgpipe::http
