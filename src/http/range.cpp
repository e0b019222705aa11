#include "http/range.h"

#include "core/text.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace imgpipe::http {

namespace {

// Decimal digits only (no sign, no spaces), saturating at the largest value: a first byte past
// 2^64 is still past the end.
std::optional<uint64_t> digits(std::string_view s) {
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<uint64_t>(c - '0');
        v = v > (max - d) / 10 ? max : v * 10 + d;
    }
    return v;
}

} // namespace

RangeAnswer answer_range(std::string_view range, uint64_t size) {
    range = trim(range);
    const auto eq = range.find('=');
    if (eq == std::string_view::npos || to_lower(trim(range.substr(0, eq))) != "bytes") return {};
    const std::string_view spec = trim(range.substr(eq + 1));
    if (spec.find(',') != std::string_view::npos) return {}; // several ranges: the whole object
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    if (dash == 0) { // the last n bytes
        const auto n = digits(spec.substr(1));
        if (!n) return {};
        if (*n == 0 || size == 0) return {RangeAnswer::unsatisfiable};
        const uint64_t length = std::min(*n, size);
        return {RangeAnswer::part, size - length, length};
    }
    const auto first = digits(spec.substr(0, dash));
    if (!first) return {};
    uint64_t last = std::numeric_limits<uint64_t>::max();
    if (dash + 1 < spec.size()) {
        const auto given = digits(spec.substr(dash + 1));
        if (!given || *given < *first) return {};
        last = *given;
    }
    if (*first >= size) return {RangeAnswer::unsatisfiable};
    last = std::min(last, size - 1);
    return {RangeAnswer::part, *first, last - *first + 1};
}

bool if_range_holds(std::string_view if_range, std::string_view etag) {
    if_range = trim(if_range);
    return if_range.empty() || (if_range.starts_with('"') && if_range == etag);
}

} // namespace imgpipe::http
