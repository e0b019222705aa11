#pragma once

#include "core/errors.h"

#include <boost/beast/http/status.hpp>
#include <string>

namespace imgpipe::http {

// The only place that knows HTTP status codes for errors.
boost::beast::http::status status_of(ErrorCode code);
// {"error": {"code": "...", "message": "..."}}
std::string error_body(ErrorCode code, const std::string& message);

} // namespace imgpipe::http
