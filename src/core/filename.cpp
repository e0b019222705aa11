#include "core/filename.h"

namespace imgpipe {

namespace {

// The length of the well-formed UTF-8 sequence `s` starts with (Unicode 15, table 3-7: no
// overlong forms, no surrogates, nothing past U+10FFFF), 0 when it starts with none.
size_t utf8_sequence(std::string_view s) {
    auto byte = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf; // the range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
        n = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        n = 3;
        if (lead == 0xe0) lo = 0xa0;
        if (lead == 0xed) hi = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        n = 4;
        if (lead == 0xf0) lo = 0x90;
        if (lead == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
    for (size_t i = 2; i < n; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
    }
    return n;
}

constexpr std::string_view kReplacement = "\xef\xbf\xbd"; // U+FFFD

} // namespace

std::string sanitize_filename(std::string_view name) {
    std::string clean;
    for (size_t at = 0; at < name.size();) {
        const auto c = static_cast<unsigned char>(name[at]);
        const size_t n = utf8_sequence(name.substr(at));
        // Bytes that are not UTF-8 (a Latin-1 name) become U+FFFD: JSON cannot carry them.
        const std::string_view piece = n ? name.substr(at, n) : kReplacement;
        at += n ? n : 1;
        if (n == 1 && (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"')) continue;
        if (clean.size() + piece.size() > 255) break; // whole characters only
        clean += piece;
    }
    while (!clean.empty() && clean.front() == ' ') clean.erase(0, 1);
    return clean.empty() || clean == "." || clean == ".." ? "image" : clean;
}

} // namespace imgpipe
