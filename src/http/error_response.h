#pragma once

#include "core/errors.h"

#include <boost/beast/http/status.hpp>
#include <string>

namespace imgpipe::http {

// The only place that knows HTTP status codes for errors.
boost::beast::http::status status_of(ErrorCode code);
// {"error": {"code": "...", "message": "...", "request_id": "..."}} (no request_id when empty:
// `imgpipe transform` has no request)
std::string error_body(ErrorCode code, const std::string& message, const std::string& request_id = {});

} // namespace imgpipe::http
