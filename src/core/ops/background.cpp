#include "core/ops/background.h"

#include "core/errors.h"

#include <cstdio>

namespace imgpipe {

namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1; // the parser has lower-cased the arguments
}
} // namespace

Background Background::parse(std::string_view args) {
    const size_t n = args.size();
    bool ok = n == 3 || n == 4 || n == 6 || n == 8;
    for (char c : args) ok = ok && hex_digit(c) >= 0;
    if (!ok) {
        throw Error(ErrorCode::invalid_chain,
                    "expects a hex colour rrggbb or rrggbbaa (or rgb, rgba), like background:ff8800 "
                    "or background:00000000");
    }
    Background b;
    const bool short_form = n <= 4;
    const size_t channels = short_form ? n : n / 2;
    for (size_t i = 0; i < channels; ++i) {
        b.rgba[i] = short_form ? hex_digit(args[i]) * 17
                               : hex_digit(args[2 * i]) * 16 + hex_digit(args[2 * i + 1]);
    }
    return b;
}

std::string Background::canonical() const {
    char buf[16];
    if (rgba[3] == 255) std::snprintf(buf, sizeof buf, "%02x%02x%02x", rgba[0], rgba[1], rgba[2]);
    else std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x", rgba[0], rgba[1], rgba[2], rgba[3]);
    return "background:" + std::string(buf);
}

vips::VImage Background::apply(const vips::VImage& in, ChainContext& ctx) const {
    ctx.background.assign(rgba.begin(), rgba.end());
    return in;
}

} // namespace imgpipe
