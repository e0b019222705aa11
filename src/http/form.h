#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace imgpipe::http {

// Parameters of a header value like `form-data; name="file"; filename="a \"b\".jpg"`: names are
// lower-cased, quoted values unescaped, RFC 5987 `filename*=UTF-8''...` decoded into `filename*`.
std::map<std::string, std::string> header_params(std::string_view value);
// The part before the first ';', trimmed and lower-cased.
std::string header_main_value(std::string_view value);

// The multipart boundary of a request body. A body is multipart if it starts with
// "--<boundary>\r\n", whatever its Content-Type says: curl sends the spec's examples as
// `application/x-www-form-urlencoded; boundary=...`. `first_bytes` is the start of the body.
std::optional<std::string> multipart_boundary(std::string_view content_type,
                                              std::string_view first_bytes);

// application/x-www-form-urlencoded: "a=1&b=x%20y" (with '+' as space). Repeated names throw
// Error(bad_request).
std::map<std::string, std::string> parse_urlencoded(std::string_view body);

} // namespace imgpipe::http
