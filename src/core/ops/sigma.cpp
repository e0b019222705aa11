#include "core/ops/sigma.h"

#include "core/errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace imgpipe {

namespace {
constexpr double kResolution = 1e6;

// Plain decimals only ("2", "0.5", ".5", "+3."): no exponents, hex, "inf" or "nan".
bool is_plain_decimal(std::string_view s) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    const auto dot = s.find('.');
    const auto whole = s.substr(0, dot);
    const auto frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    auto digits = [](std::string_view d) {
        return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return digits(whole) && digits(frac) && whole.size() <= 12 && frac.size() <= 12 &&
           !(whole.empty() && frac.empty());
}
} // namespace

double parse_sigma(std::string_view args, std::string_view example) {
    const std::string e(example);
    if (!is_plain_decimal(args)) {
        throw Error(ErrorCode::invalid_chain,
                    "expects a positive sigma in pixels (a plain decimal), like " + e);
    }
    const size_t start = args[0] == '+' ? 1 : 0; // from_chars rejects a leading '+'
    double value = 0;
    auto [end, ec] = std::from_chars(args.data() + start, args.data() + args.size(), value);
    if (ec != std::errc{} || end != args.data() + args.size() || !std::isfinite(value)) {
        throw Error(ErrorCode::invalid_chain, "expects a finite sigma in pixels, like " + e);
    }
    value = std::round(value * kResolution) / kResolution;
    if (value <= 0) {
        throw Error(ErrorCode::invalid_chain, "expects a sigma greater than 0, like " + e);
    }
    if (value > kMaxSigma) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", kMaxSigma);
        throw Error(ErrorCode::invalid_chain, "expects a sigma of at most " + std::string(buf) + " pixels");
    }
    return value;
}

std::string format_sigma(double sigma) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", sigma);
    std::string s(buf);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
}

} // namespace imgpipe
