#include "http/error_response.h"

#include <nlohmann/json.hpp>

namespace imgpipe::http {

using boost::beast::http::status;

status status_of(ErrorCode code) {
    switch (code) {
    case ErrorCode::bad_request: return status::bad_request;
    case ErrorCode::headers_too_large: return status::request_header_fields_too_large;
    case ErrorCode::unauthorized: return status::unauthorized;
    case ErrorCode::uri_too_long: return status::uri_too_long;
    case ErrorCode::invalid_chain: return status::bad_request;
    case ErrorCode::too_many_ops: return status::bad_request;
    case ErrorCode::url_not_allowed: return status::bad_request;
    case ErrorCode::forbidden: return status::forbidden;
    case ErrorCode::not_found: return status::not_found;
    case ErrorCode::method_not_allowed: return status::method_not_allowed;
    case ErrorCode::range_not_satisfiable: return status::range_not_satisfiable;
    case ErrorCode::payload_too_large: return status::payload_too_large;
    case ErrorCode::image_too_large: return status::payload_too_large;
    case ErrorCode::output_too_large: return status::payload_too_large;
    case ErrorCode::unsupported_media: return status::unsupported_media_type;
    case ErrorCode::undecodable: return status::unprocessable_entity;
    case ErrorCode::unsupported_variant: return status::unprocessable_entity;
    case ErrorCode::fetch_failed: return status::bad_gateway;
    case ErrorCode::overloaded: return status::service_unavailable;
    case ErrorCode::timeout: return status::service_unavailable;
    case ErrorCode::storage_full: return status::insufficient_storage;
    case ErrorCode::storage_unavailable: return status::service_unavailable;
    case ErrorCode::workers_unavailable: return status::service_unavailable;
    case ErrorCode::internal: return status::internal_server_error;
    }
    return status::internal_server_error;
}

std::string error_body(ErrorCode code, const std::string& message, const std::string& request_id) {
    nlohmann::json error = {{"code", error_code_name(code)}, {"message", message}};
    if (!request_id.empty()) error["request_id"] = request_id;
    return nlohmann::json{{"error", error}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace imgpipe::http
