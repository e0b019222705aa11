#include "core/presets.h"

#include "core/errors.h"
#include "core/ops/parse.h"
#include "core/text.h"

#include <stdexcept>

namespace imgpipe {

namespace {

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return true;
}

// Calls fn on each '|'-separated op text of the segments, trimmed.
template <class F>
void each_op(const std::vector<std::string>& segments, F fn) {
    for (const auto& seg : segments) {
        std::string_view rest = seg;
        while (true) {
            const auto bar = rest.find('|');
            fn(trim(rest.substr(0, bar)));
            if (bar == std::string_view::npos) break;
            rest.remove_prefix(bar + 1);
        }
    }
}

} // namespace

Presets::Presets(const PresetsConfig& config, int max_ops) : only_(config.presets_only) {
    for (const auto& entry : config.presets) {
        const auto eq = entry.find('=');
        const std::string name = eq == std::string::npos ? std::string() : std::string(trim(entry.substr(0, eq)));
        if (eq == std::string::npos) {
            throw std::invalid_argument("preset '" + entry + "' must be NAME=CHAIN, e.g. thumb=scale:200x|convert:webp");
        }
        if (!valid_name(name)) {
            throw std::invalid_argument("preset name '" + name + "' may hold only a-z, 0-9, '_' and '-'");
        }
        if (is_op_name(name)) {
            throw std::invalid_argument("preset name '" + name + "' is the name of an op; choose another");
        }
        if (chains_.count(name)) throw std::invalid_argument("preset '" + name + "' is defined twice");
        const std::string text = entry.substr(eq + 1);
        Chain chain;
        try {
            chain = parse_chain({text}, max_ops);
        } catch (const Error& e) {
            throw std::invalid_argument("preset '" + name + "': " + e.what());
        }
        if (chain.empty()) throw std::invalid_argument("preset '" + name + "' has no op that changes the image");
        chains_.emplace(name, chain.canonical());
    }
    for (std::string_view rest = config.eager; !rest.empty();) {
        const auto comma = rest.find(',');
        const std::string name(trim(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (name.empty()) continue;
        const auto it = chains_.find(name);
        if (it == chains_.end()) {
            throw std::invalid_argument("eager preset '" + name + "' is not defined (--preset " + name + "=CHAIN)");
        }
        eager_.push_back(parse_chain({it->second}, max_ops));
    }
    if (only_ && chains_.empty()) {
        throw std::invalid_argument("presets-only needs at least one --preset");
    }
}

const std::string* Presets::find(std::string_view op_text) const {
    if (op_text.find(':') != std::string_view::npos) return nullptr;
    const auto it = chains_.find(to_lower(op_text));
    return it == chains_.end() ? nullptr : &it->second;
}

std::vector<std::string> Presets::expand(const std::vector<std::string>& segments) const {
    if (chains_.empty()) return segments;
    std::vector<std::string> out;
    out.reserve(segments.size());
    for (const auto& seg : segments) {
        // Joined piece by piece, so that an empty op stays empty and the parser reports it.
        std::string expanded;
        bool first = true;
        each_op({seg}, [&](std::string_view op) {
            const std::string* chain = find(op);
            if (!first) expanded += '|';
            first = false;
            expanded += chain ? std::string_view(*chain) : op;
        });
        out.push_back(std::move(expanded));
    }
    return out;
}

bool Presets::all_presets(const std::vector<std::string>& segments) const {
    bool all = true;
    each_op(segments, [&](std::string_view op) { all = all && find(op) != nullptr; });
    return all;
}

std::string Presets::names() const {
    std::string out;
    for (const auto& [name, chain] : chains_) out += (out.empty() ? "" : ", ") + name;
    return out;
}

} // namespace imgpipe
