#include "core/ops/sigma.h"

#include "core/errors.h"
#include "core/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace imgpipe {

namespace {
constexpr double kResolution = 1e6;

} // namespace

double parse_sigma(std::string_view args, std::string_view example) {
    const std::string e(example);
    const auto parsed = parse_plain_decimal(args, false);
    if (!parsed) {
        throw Error(ErrorCode::invalid_chain,
                    "expects a positive sigma in pixels (a plain decimal), like " + e);
    }
    const double value = std::round(*parsed * kResolution) / kResolution;
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

std::string format_sigma(double sigma) { return format_decimal(sigma); }

} // namespace imgpipe
