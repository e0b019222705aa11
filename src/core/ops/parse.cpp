#include "core/ops/parse.h"

#include "core/errors.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace imgpipe {

namespace {

// Shown in error messages; long or binary input is cut and made printable.
std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
    if (s.size() > 64) out += "...";
    return out;
}

// The one table of op names and aliases.
Op parse_op(std::string_view text) {
    const auto colon = text.find(':');
    const std::string name = to_lower(trim(text.substr(0, colon)));
    const std::string args =
        colon == std::string_view::npos ? std::string() : to_lower(trim(text.substr(colon + 1)));
    std::string bad_args;
    try {
        if (name == "rotate") return Rotate::parse(args);
        if (name == "scale" || name == "resize") return Scale::parse(args);
        if (name == "convert") return Convert::parse(args);
    } catch (const Error& e) {
        throw Error(ErrorCode::invalid_chain,
                    "invalid op '" + printable(text) + "': " + name + " " + e.what());
    }
    throw Error(ErrorCode::invalid_chain, "invalid op '" + printable(text) +
                                              "': unknown operation (known: rotate, scale, "
                                              "resize, convert)");
}

} // namespace

std::string op_canonical(const Op& op) {
    return std::visit([](const auto& o) { return o.canonical(); }, op);
}

std::string Chain::canonical() const {
    std::string out;
    for (const auto& op : ops) {
        if (!out.empty()) out += '|';
        out += op_canonical(op);
    }
    return out;
}

Chain parse_chain(const std::vector<std::string_view>& segments, int max_ops) {
    // Count first, so a 10,000-op chain is refused before any of it is parsed.
    size_t count = 0;
    for (auto seg : segments) count += static_cast<size_t>(std::count(seg.begin(), seg.end(), '|')) + 1;
    if (count > static_cast<size_t>(max_ops)) {
        throw Error(ErrorCode::too_many_ops, "the chain has " + std::to_string(count) +
                                                 " ops; at most " + std::to_string(max_ops) +
                                                 " are allowed");
    }
    Chain chain;
    for (auto seg : segments) {
        size_t start = 0;
        while (true) {
            const size_t bar = seg.find('|', start);
            const std::string_view text = trim(seg.substr(start, bar - start));
            if (text.empty()) {
                throw Error(ErrorCode::invalid_chain,
                            "empty op in chain '" + printable(seg) + "'");
            }
            Op op = parse_op(text);
            const bool identity_rotate =
                std::holds_alternative<Rotate>(op) && std::get<Rotate>(op).is_identity();
            const bool repeated_convert =
                std::holds_alternative<Convert>(op) && !chain.ops.empty() &&
                std::holds_alternative<Convert>(chain.ops.back()) &&
                std::get<Convert>(chain.ops.back()).format == std::get<Convert>(op).format;
            if (!identity_rotate && !repeated_convert) chain.ops.push_back(std::move(op));
            if (bar == std::string_view::npos) break;
            start = bar + 1;
        }
    }
    return chain;
}

} // namespace imgpipe
