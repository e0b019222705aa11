#pragma once

#include <boost/beast/http/status.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgpipe::http {

// The header block of an answer, written by hand (Session::write). `set` replaces a field of the
// same name in any case, as Beast's fields do. Holds views: names and values must outlive it.
// Values come from the server, but a CR or LF in one, which would split the answer, becomes a space.
class AnswerHeaders {
public:
    void set(std::string_view name, std::string_view value);
    // "HTTP/1.1 <code> <reason>\r\n", the fields in the order set, and the empty line.
    std::string serialize(boost::beast::http::status status) const;

private:
    std::vector<std::pair<std::string_view, std::string_view>> fields_;
};

} // namespace imgpipe::http
