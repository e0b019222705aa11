#include "core/ops/negotiate.h"

#include "core/text.h"

#include <algorithm>
#include <cstdlib>

namespace imgpipe {

namespace {

// The q-value the header gives `type` ("image/avif") by name: 0 when it does not name it (or
// refuses it with q=0). Wildcards are no preference (see negotiate_format), so they are not read;
// a named type is more specific than any wildcard, so a wildcard cannot change its q either.
double named_weight(std::string_view accept, std::string_view type) {
    double weight = 0.0;
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        const std::string_view item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        const auto semi = item.find(';');
        if (to_lower(trim(item.substr(0, semi))) != type) continue;
        double q = 1.0;
        // Parameters: only q matters; a malformed q counts as 1, as most servers read it.
        for (std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi + 1);
             !params.empty();) {
            const auto next = params.find(';');
            const std::string_view p = trim(params.substr(0, next));
            params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
            const auto eq = p.find('=');
            if (eq != std::string_view::npos && to_lower(trim(p.substr(0, eq))) == "q") {
                const std::string value(trim(p.substr(eq + 1)));
                char* end = nullptr;
                const double v = std::strtod(value.c_str(), &end);
                if (end != value.c_str() && v >= 0.0 && v <= 1.0) q = v;
            }
        }
        weight = std::max(weight, q);
    }
    return weight;
}

} // namespace

Format negotiate_format(std::string_view accept, bool may_have_alpha) {
    const double avif = named_weight(accept, format_mime(Format::avif));
    const double webp = named_weight(accept, format_mime(Format::webp));
    if (avif > 0 && avif >= webp) return Format::avif;
    if (webp > 0) return Format::webp;
    return may_have_alpha ? Format::png : Format::jpeg;
}

bool negotiates(const Chain& chain) {
    for (const auto& op : chain.ops) {
        if (const auto* c = std::get_if<Convert>(&op); c && c->negotiate) return true;
    }
    return false;
}

bool may_have_alpha(std::string_view original_mime, const Chain& chain) {
    bool alpha = original_mime != "image/jpeg" && original_mime != "image/heic";
    for (const auto& op : chain.ops) {
        const auto* c = std::get_if<Convert>(&op);
        if (!c) continue;
        if (c->negotiate) break;
        // Each convert to an opaque format flattens; one to a format with alpha keeps what is there.
        if (!format_has_alpha(c->format)) alpha = false;
    }
    return alpha;
}

Chain concrete_chain(const Chain& chain, Format format) {
    Chain out;
    for (const auto& op : chain.ops) {
        Op next = op;
        if (auto* c = std::get_if<Convert>(&next); c && c->negotiate) *c = Convert{format, false};
        const bool repeated = is<Convert>(next) && !out.ops.empty() && is<Convert>(out.ops.back()) &&
                              std::get<Convert>(out.ops.back()).same_as(std::get<Convert>(next));
        if (!repeated) out.ops.push_back(std::move(next));
    }
    return out;
}

} // namespace imgpipe
