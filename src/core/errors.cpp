#include "core/errors.h"

namespace imgpipe {

std::string_view error_code_name(ErrorCode code) {
    switch (code) {
    case ErrorCode::bad_request: return "bad_request";
    case ErrorCode::headers_too_large: return "headers_too_large";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::uri_too_long: return "uri_too_long";
    case ErrorCode::invalid_chain: return "invalid_chain";
    case ErrorCode::too_many_ops: return "too_many_ops";
    case ErrorCode::url_not_allowed: return "url_not_allowed";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::method_not_allowed: return "method_not_allowed";
    case ErrorCode::range_not_satisfiable: return "range_not_satisfiable";
    case ErrorCode::payload_too_large: return "payload_too_large";
    case ErrorCode::image_too_large: return "image_too_large";
    case ErrorCode::output_too_large: return "output_too_large";
    case ErrorCode::unsupported_media: return "unsupported_media_type";
    case ErrorCode::undecodable: return "undecodable_image";
    case ErrorCode::unsupported_variant: return "unsupported_variant";
    case ErrorCode::fetch_failed: return "fetch_failed";
    case ErrorCode::overloaded: return "overloaded";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::storage_full: return "storage_full";
    case ErrorCode::storage_unavailable: return "storage_unavailable";
    case ErrorCode::workers_unavailable: return "workers_unavailable";
    case ErrorCode::internal: return "internal_error";
    }
    return "internal_error";
}

ErrorCode error_code_from_name(std::string_view name) {
    for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) {
        if (error_code_name(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
    }
    return ErrorCode::internal;
}

} // namespace imgpipe
