#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace imgpipe::http {

// One part's headers, as far as a form cares.
struct PartHeaders {
    std::string name;     // Content-Disposition name= (form-data or attachment alike)
    std::string filename; // filename*= preferred over filename=
    std::string content_type;
};

// Receives parts as the parser finds them. data() may be called many times per part.
class PartSink {
public:
    virtual ~PartSink() = default;
    virtual void begin(const PartHeaders& headers) = 0;
    virtual void data(std::string_view bytes) = 0;
    virtual void end() = 0;
};

// A streaming multipart/form-data parser: feed() it the body in chunks of any size; it never holds
// more than one part-header block or one boundary's worth of body. Throws Error(bad_request) on
// malformed input or when a limit is passed.
class MultipartParser {
public:
    struct Limits {
        size_t max_header_bytes = 8 * 1024; // per part
        size_t max_parts = 16;
    };

    MultipartParser(std::string boundary, PartSink& sink, Limits limits);
    MultipartParser(std::string boundary, PartSink& sink)
        : MultipartParser(std::move(boundary), sink, Limits{}) {}

    void feed(std::string_view chunk);
    // Call at the end of the body: throws Error(bad_request) if the closing boundary is missing.
    void finish();
    bool complete() const { return state_ == State::epilogue; }

private:
    enum class State { preamble, after_boundary, headers, body, epilogue };
    void run();
    bool step();
    void parse_headers(std::string_view block);

    std::string delimiter_; // "\r\n--" + boundary
    PartSink& sink_;
    Limits limits_;
    State state_ = State::preamble;
    std::string buffer_;
    size_t pos_ = 0; // consumed prefix of buffer_
    size_t parts_ = 0;
};

} // namespace imgpipe::http
