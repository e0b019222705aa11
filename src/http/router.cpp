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

// The value of the first `name=value` parameter ("" when there is none).
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

bool allows(std::string_view allowed, std::string_view method) {
    for (std::string_view rest = allowed; !rest.empty();) {
        const auto comma = rest.find(", ");
        if (rest.substr(0, comma) == method) return true;
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 2);
    }
    return false;
}

// Fills r's parameters from `parts` if they match `pattern`.
bool match(std::string_view pattern, const std::vector<std::string_view>& parts, Route& r) {
    const auto want = split_path(pattern);
    if (!want.empty() && want.back() == "{chain}") {
        if (parts.size() < want.size()) return false;
    } else if (parts.size() != want.size()) {
        return false;
    }
    for (size_t i = 0; i < want.size(); ++i) {
        if (want[i] == "{id}") {
            r.id = percent_decode(parts[i]);
        } else if (want[i] == "{asset}") {
            r.asset = percent_decode(parts[i]);
        } else if (want[i] == "{chain}") {
            for (size_t j = i; j < parts.size(); ++j) r.chain.push_back(percent_decode(parts[j]));
        } else if (want[i] != parts[i]) {
            return false;
        }
    }
    return true;
}

// The path of a request target; throws for one too long or not starting with '/'.
std::string_view path_of(std::string_view target) {
    if (target.size() > kMaxTarget) {
        throw Error(ErrorCode::uri_too_long,
                    "the request target is longer than " + std::to_string(kMaxTarget) + " bytes");
    }
    if (target.empty() || target[0] != '/') throw Error(ErrorCode::not_found, "no such route");
    return target.substr(0, target.find('?'));
}

} // namespace

std::optional<std::string> query_value(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

Route route(std::string_view method, std::string_view target, std::string& allow,
            const RouteSpec** path_match) {
    const std::string_view raw_path = path_of(target);
    const std::string_view query = raw_path.size() == target.size() ? "" : target.substr(raw_path.size() + 1);
    const auto parts = split_path(raw_path);

    // The first route whose path and method match decides (literal paths come before patterns). A
    // path may have several routes, one per method set; a path matched with none of its methods is
    // a 405 that names all of them.
    std::string allowed;
    std::string_view first; // the pattern of the first route whose path matches
    for (const RouteSpec& spec : routes()) {
        Route r;
        if (!match(spec.pattern, parts, r)) continue;
        if (first.empty()) first = spec.pattern;
        if (spec.pattern != first) break;
        if (!allows(spec.methods, method)) {
            if (allowed.empty() && path_match) *path_match = &spec;
            allowed += (allowed.empty() ? "" : ", ") + std::string(spec.methods);
            continue;
        }
        r.spec = &spec;
        if (r.asset.empty()) r.asset = spec.asset;
        r.path = percent_decode(raw_path);
        r.query = query;
        if (spec.name == "bytes") {
            r.expires = query_param(query, "expires");
            r.signature = query_param(query, "signature");
        }
        if (!r.id.empty()) r.sig = query_param(query, "sig");
        return r;
    }
    if (!allowed.empty()) {
        allow = allowed;
        throw Error(ErrorCode::method_not_allowed, std::string(method) + " is not allowed here; use " + allow);
    }
    throw Error(ErrorCode::not_found, "no such route");
}

const RouteSpec& route_of_path(std::string_view target, std::string* methods) {
    const auto parts = split_path(path_of(target));
    const RouteSpec* first = nullptr;
    for (const RouteSpec& spec : routes()) {
        Route r;
        if (!match(spec.pattern, parts, r)) continue;
        if (!first) first = &spec;
        if (spec.pattern != first->pattern) break;
        if (!methods) return spec;
        *methods += (methods->empty() ? "" : ", ") + std::string(spec.methods);
    }
    if (!first) throw Error(ErrorCode::not_found, "no such route");
    return *first;
}

} // namespace imgpipe::http
