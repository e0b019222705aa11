#include "http/answer_headers.h"

#include <boost/beast/core/string.hpp>

namespace imgpipe::http {

void AnswerHeaders::set(std::string_view name, std::string_view value) {
    std::erase_if(fields_, [name](const auto& field) { return boost::beast::iequals(field.first, name); });
    fields_.emplace_back(name, value);
}

std::string AnswerHeaders::serialize(boost::beast::http::status status) const {
    const std::string_view reason = boost::beast::http::obsolete_reason(status);
    size_t size = 16 + reason.size();
    for (const auto& [name, value] : fields_) size += name.size() + value.size() + 4;
    std::string out;
    out.reserve(size);
    out += "HTTP/1.1 ";
    out += std::to_string(static_cast<unsigned>(status));
    out += ' ';
    out += reason;
    out += "\r\n";
    for (const auto& [name, value] : fields_) {
        out += name;
        out += ": ";
        const size_t at = out.size();
        out += value;
        for (size_t i = at; i < out.size(); ++i) {
            if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
        }
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

} // namespace imgpipe::http
