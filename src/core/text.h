#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgpipe {

// Small text helpers shared by the parsers (op chains, forms, URLs, file names).
std::string_view trim(std::string_view s); // spaces and tabs (and other isspace) at both ends
std::string to_lower(std::string_view s);  // ASCII only
// %XX sequences decoded; malformed ones are kept as they are. '+' is left alone.
std::string percent_decode(std::string_view s);
// Every byte but ASCII letters, digits and those in `keep` becomes %XX (upper-case hex).
std::string percent_encode(std::string_view s, std::string_view keep);
// A plain decimal ("12", ".5", "+10.", and "-0.5" when `negative_ok`), at most 12 digits on each
// side of the point: no exponents, hex floats, "inf" or "nan", which from_chars and strtod accept.
std::optional<double> parse_plain_decimal(std::string_view s, bool negative_ok);
// To 1e-6, without trailing zeros: 10 -> "10", 0.5 -> "0.5" (canonical op arguments).
std::string format_decimal(double v);

} // namespace imgpipe
