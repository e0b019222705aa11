#pragma once

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

} // namespace imgpipe
