#include "core/ops/canonical.h"

#include <algorithm>
#include <type_traits>

namespace imgpipe {

namespace {

template <class T, class... Us>
constexpr bool one_of = (std::is_same_v<T, Us> || ...);

// The format the chain is encoded to, if known: the last convert's, else the source's; unknown
// while a convert:auto awaits its Accept header.
std::optional<Format> output_of(const std::vector<Op>& ops, std::optional<Format> source) {
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
        if (const auto* c = std::get_if<Convert>(&*it)) {
            if (c->negotiate) return std::nullopt;
            return c->format;
        }
    }
    return source;
}

// Whether an op reads ChainContext::background. An op type not listed here is assumed to (its
// background is then kept): adding an op never makes a background wrongly disappear.
bool reads_background(const Op& op) {
    return std::visit(
        [](const auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, Rotate>) return !o.is_right_angle(); // new corners
            else if constexpr (std::is_same_v<T, Convert>) return o.negotiate || !format_has_alpha(o.format); // flattens
            else if constexpr (std::is_same_v<T, Fit>) return o.mode == Fit::Mode::contain; // padding
            else if constexpr (one_of<T, Scale, Crop, Flip, Blur, Sharpen, Grayscale, Quality, Background>) return false;
            else return true;
        },
        op);
}

void move_quality_to_end(std::vector<Op>& ops, std::optional<Format> source) {
    std::optional<Quality> last;
    std::erase_if(ops, [&last](const Op& op) {
        if (const auto* q = std::get_if<Quality>(&op)) last = *q;
        return is<Quality>(op);
    });
    const auto output = output_of(ops, source);
    if (last && !(output && !traits(*output).lossy)) ops.push_back(*last);
}

void drop_unused_backgrounds(std::vector<Op>& ops, std::optional<Format> source) {
    const auto output = output_of(ops, source);
    // At the end of the chain, transparency is flattened onto it unless the output keeps alpha.
    const bool read_at_end = !output || !format_has_alpha(*output);
    for (size_t i = ops.size(); i-- > 0;) {
        if (!is<Background>(ops[i])) continue;
        bool read = read_at_end;
        for (size_t j = i + 1; j < ops.size(); ++j) {
            if (is<Background>(ops[j])) { read = false; break; } // overridden
            if (reads_background(ops[j])) { read = true; break; }
        }
        if (!read) ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i));
    }
}

void collapse_repeats(std::vector<Op>& ops) {
    auto same = [](const Op& a, const Op& b) {
        if (is<Grayscale>(a) && is<Grayscale>(b)) return true;
        const auto* ca = std::get_if<Convert>(&a);
        const auto* cb = std::get_if<Convert>(&b);
        return ca && cb && ca->same_as(*cb);
    };
    ops.erase(std::unique(ops.begin(), ops.end(), same), ops.end());
}

void drop_moot_last_convert(std::vector<Op>& ops, Format source) {
    const auto last = std::find_if(ops.rbegin(), ops.rend(), [](const Op& op) { return is<Convert>(op); });
    if (last == ops.rend()) return;
    const auto at = std::prev(last.base());
    if (std::get<Convert>(*at).negotiate) return;
    const Format format = std::get<Convert>(*at).format;
    const bool only_quality_after =
        std::all_of(std::next(at), ops.end(), [](const Op& op) { return is<Quality>(op); });
    // A convert to a format with alpha changes no pixel; one without flattens exactly as the
    // final flatten would when nothing but quality follows it.
    if (!format_has_alpha(format) && !only_quality_after) return;
    std::vector<Op> without(ops.begin(), at);
    without.insert(without.end(), std::next(at), ops.end());
    if (output_of(without, source) == format) ops = std::move(without);
}

std::string joined(const std::vector<Op>& ops) { return Chain{ops}.canonical(); }

} // namespace

void canonicalise(std::vector<Op>& ops, std::optional<Format> source_default) {
    for (std::string before = joined(ops);;) {
        if (source_default) drop_moot_last_convert(ops, *source_default);
        move_quality_to_end(ops, source_default);
        drop_unused_backgrounds(ops, source_default);
        collapse_repeats(ops);
        std::string after = joined(ops);
        if (after == before) return;
        before = std::move(after);
    }
}

Chain canonical_for(const Chain& chain, Format source_default) {
    Chain out = chain;
    canonicalise(out.ops, source_default);
    if (out.empty() && !chain.empty()) out.ops.push_back(Convert{source_default});
    return out;
}

} // namespace imgpipe
