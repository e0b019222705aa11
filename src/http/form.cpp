#include "http/form.h"

#include "core/errors.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>

namespace imgpipe::http {

std::string header_main_value(std::string_view value) {
    return to_lower(trim(value.substr(0, value.find(';'))));
}

std::map<std::string, std::string> header_params(std::string_view v) {
    std::map<std::string, std::string> params;
    size_t i = v.find(';');
    while (i != std::string_view::npos && i < v.size()) {
        ++i; // past ';'
        const size_t eq = v.find('=', i);
        const size_t semi = v.find(';', i);
        if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
            i = semi;
            continue;
        }
        const std::string name = to_lower(trim(v.substr(i, eq - i)));
        size_t j = eq + 1;
        while (j < v.size() && (v[j] == ' ' || v[j] == '\t')) ++j;
        std::string value;
        if (j < v.size() && v[j] == '"') {
            for (++j; j < v.size() && v[j] != '"'; ++j) {
                if (v[j] == '\\' && j + 1 < v.size()) ++j;
                value += v[j];
            }
            i = v.find(';', j);
        } else {
            const size_t end = v.find(';', j);
            value = std::string(trim(v.substr(j, end == std::string_view::npos ? end : end - j)));
            i = end;
        }
        if (name == "filename*") {
            // RFC 5987: charset'language'percent-encoded
            const auto q = value.find('\'');
            const auto q2 = q == std::string::npos ? q : value.find('\'', q + 1);
            if (q2 != std::string::npos) value = percent_decode(value.substr(q2 + 1));
        }
        if (!params.count(name)) params.emplace(name, std::move(value));
    }
    return params;
}

std::optional<std::string> multipart_boundary(std::string_view content_type,
                                              std::string_view first_bytes) {
    auto starts_body = [&](std::string_view b) {
        if (b.empty() || b.size() > 200) return false;
        const std::string head = "--" + std::string(b);
        return first_bytes.substr(0, head.size()) == head;
    };
    const auto params = header_params(content_type);
    if (auto it = params.find("boundary"); it != params.end() && starts_body(it->second)) {
        return it->second;
    }
    // No usable boundary in the header: take it from the body's first line.
    if (first_bytes.substr(0, 2) != "--") return std::nullopt;
    const auto eol = first_bytes.find("\r\n");
    if (eol == std::string_view::npos || eol <= 2 || eol > 202) return std::nullopt;
    return std::string(first_bytes.substr(2, eol - 2));
}

std::map<std::string, std::string> parse_urlencoded(std::string_view body) {
    std::map<std::string, std::string> out;
    while (!body.empty()) {
        const auto amp = body.find('&');
        std::string pair(body.substr(0, amp));
        std::replace(pair.begin(), pair.end(), '+', ' ');
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            std::string name = percent_decode(pair.substr(0, eq));
            std::string value = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
            if (!out.emplace(std::move(name), std::move(value)).second) {
                throw Error(ErrorCode::bad_request, "a form field is given more than once");
            }
        }
        if (amp == std::string_view::npos) break;
        body.remove_prefix(amp + 1);
    }
    return out;
}

} // namespace imgpipe::http
