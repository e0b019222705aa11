#include "http/router.h"

#include "core/errors.h"
#include "core/text.h"

namespace imgpipe::http {

namespace {

constexpr size_t kMaxTarget = 8192;

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t start = 1; // after the leading '/'
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const auto part = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (!part.empty()) parts.push_back(part);
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

std::string query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name && eq != std::string_view::npos) {
            return percent_decode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

[[noreturn]] void not_found() { throw Error(ErrorCode::not_found, "no such route"); }

void require(std::string_view method, std::string_view allowed, std::string& allow) {
    bool ok = false;
    for (std::string_view rest = allowed; !rest.empty();) {
        const auto comma = rest.find(", ");
        ok = ok || rest.substr(0, comma) == method;
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 2);
    }
    if (!ok) {
        allow = std::string(allowed);
        throw Error(ErrorCode::method_not_allowed,
                    std::string(method) + " is not allowed here; use " + std::string(allowed));
    }
}

} // namespace

Route route(std::string_view method, std::string_view target, std::string& allow) {
    if (target.size() > kMaxTarget) {
        throw Error(ErrorCode::uri_too_long,
                    "the request target is longer than " + std::to_string(kMaxTarget) + " bytes");
    }
    if (target.empty() || target[0] != '/') not_found();
    const auto q = target.find('?');
    const std::string_view raw_path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
    const auto parts = split_path(raw_path);
    if (parts.empty()) not_found();

    Route r;
    r.path = percent_decode(raw_path);
    if (parts.size() == 1 && (parts[0] == "health" || parts[0] == "metrics")) {
        require(method, "GET, HEAD", allow);
        r.kind = parts[0] == "health" ? RouteKind::health : RouteKind::metrics;
        return r;
    }
    if (parts[0] != "image" && parts[0] != "bytes") not_found();
    if (parts.size() < 2) not_found();
    if (parts[0] == "image" && parts.size() == 2 && (parts[1] == "upload" || parts[1] == "link")) {
        require(method, "POST", allow);
        r.kind = parts[1] == "upload" ? RouteKind::upload : RouteKind::link;
        return r;
    }
    if (parts[0] == "image") {
        require(method, "GET, HEAD", allow);
        r.kind = RouteKind::image;
    } else {
        require(method, "GET, HEAD", allow);
        r.kind = RouteKind::bytes;
        r.expires = query_param(query, "expires");
        r.signature = query_param(query, "signature");
    }
    r.sig = query_param(query, "sig");
    r.id = percent_decode(parts[1]);
    for (size_t i = 2; i < parts.size(); ++i) r.chain.push_back(percent_decode(parts[i]));
    return r;
}

} // namespace imgpipe::http
