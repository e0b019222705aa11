#include "core/ops/parse.h"

#include "core/ops/canonical.h"

#include "core/errors.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
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

// Every name of every op in the list, for the "unknown operation" message.
template <class... Ts>
std::string known_names(std::variant<Ts...>*) {
    std::string out;
    auto add = [&out](const auto& names) {
        for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    };
    (add(Ts::names), ...);
    return out;
}

template <class T>
bool named(std::string_view name) {
    return std::find(std::begin(T::names), std::end(T::names), name) != std::end(T::names);
}

template <class... Ts>
std::optional<Op> parse_named(std::variant<Ts...>*, std::string_view name, std::string_view args) {
    std::optional<Op> op;
    // The first type that owns the name parses it (|| stops there).
    static_cast<void>(((named<Ts>(name) && (op = Ts::parse(args), true)) || ...));
    return op;
}

Op parse_op(std::string_view text) {
    const auto colon = text.find(':');
    const std::string name = to_lower(trim(text.substr(0, colon)));
    const std::string args =
        colon == std::string_view::npos ? std::string() : to_lower(trim(text.substr(colon + 1)));
    std::optional<Op> op;
    try {
        op = parse_named(static_cast<Op*>(nullptr), name, args);
    } catch (const Error& e) {
        throw Error(ErrorCode::invalid_chain,
                    "invalid op '" + printable(text) + "': " + name + " " + e.what());
    }
    if (!op) {
        static const std::string known = known_names(static_cast<Op*>(nullptr));
        throw Error(ErrorCode::invalid_chain,
                    "invalid op '" + printable(text) + "': unknown operation (known: " + known + ")");
    }
    return std::move(*op);
}

} // namespace

std::string op_canonical(const Op& op) {
    return std::visit([](const auto& o) { return o.canonical(); }, op);
}

ShrinkRule op_shrink_rule(const Op& op) {
    return std::visit([](const auto& o) { return std::decay_t<decltype(o)>::shrink; }, op);
}

double op_shrink_oversample(const Op& op) {
    return std::visit([](const auto& o) { return std::decay_t<decltype(o)>::shrink_oversample; }, op);
}

bool op_random_access(const Op& op) {
    return std::visit([](const auto& o) { return o.random_access(); }, op);
}

bool op_renders_first(const Op& op) {
    return std::visit([](const auto& o) { return o.renders_first(); }, op);
}

Size op_output_size(const Op& op, Size in) {
    return std::visit([&](const auto& o) { return o.output_size(in); }, op);
}

Op op_rescaled(const Op& op, double fx, double fy) {
    return std::visit([&](const auto& o) -> Op { return o.rescaled(fx, fy); }, op);
}

vips::VImage op_apply(const Op& op, const vips::VImage& in, ChainContext& ctx) {
    return std::visit([&](const auto& o) { return o.apply(in, ctx); }, op);
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
            const bool identity = std::visit([](const auto& o) { return o.is_identity(); }, op);
            const bool repeated_convert =
                is<Convert>(op) && !chain.ops.empty() && is<Convert>(chain.ops.back()) &&
                std::get<Convert>(chain.ops.back()).same_as(std::get<Convert>(op));
            if (!identity && !repeated_convert) chain.ops.push_back(std::move(op));
            if (bar == std::string_view::npos) break;
            start = bar + 1;
        }
    }
    canonicalise(chain.ops, std::nullopt); // quality to the end, unread backgrounds, repeats
    return chain;
}

} // namespace imgpipe

namespace imgpipe {

namespace {
template <class... Ts>
bool names_an_op(std::variant<Ts...>*, std::string_view name) {
    return (named<Ts>(name) || ...);
}
} // namespace

bool is_op_name(std::string_view lower_name) { return names_an_op(static_cast<Op*>(nullptr), lower_name); }

} // namespace imgpipe
