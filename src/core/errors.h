#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace imgpipe {

// Every failure a client can cause or see. http/error_response.cpp maps each code to a status with
// a switch that has no default, so a new code that is not mapped fails to compile.
enum class ErrorCode {
    bad_request,       // malformed request: missing or duplicate field, bad form body
    headers_too_large, // request headers over the fixed 16 KB limit
    unauthorized,      // an upload without a valid API key (when keys are configured)
    uri_too_long,      // request target over 8 KB
    invalid_chain,     // an op chain that does not parse (the message names the op)
    too_many_ops,      // chain longer than limits.max_ops
    url_not_allowed,   // link upload to a refused scheme or address
    forbidden,         // bad or expired signature, or a transform without its signature
    not_found,         // unknown id or route
    method_not_allowed,
    range_not_satisfiable, // a Range of /bytes/ that starts beyond the end of the image
    payload_too_large, // request body over the upload limit
    image_too_large,   // source pixels over the limit
    output_too_large,  // a chain that would produce an image over the output limits
    unsupported_media, // not an image, or a format that is not accepted
    undecodable,       // recognised format, but the data is broken
    unsupported_variant, // an accepted format, valid, in a variant the decoders do not read (12-bit JPEG)
    fetch_failed,      // link download failed
    overloaded,        // worker queue full
    timeout,           // processing took longer than limits.processing_timeout_ms
    storage_full,      // no space left for the object
    storage_unavailable,
    workers_unavailable, // cluster mode: the broker (NATS) cannot be reached
    internal,
};

std::string_view error_code_name(ErrorCode code);
// The inverse of error_code_name (for errors that crossed the network); `internal` if unknown.
ErrorCode error_code_from_name(std::string_view name);

// The message of every decoder failure that has no more precise explanation.
inline constexpr const char* kUndecodableMessage = "the image data is corrupt or truncated";

// The one exception type core code throws. `what()` is the public message: it must never carry
// internal paths or library internals.
class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const { return code_; }

private:
    ErrorCode code_;
};

} // namespace imgpipe
