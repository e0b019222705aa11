#include "http/multipart.h"

#include "core/errors.h"
#include "core/text.h"
#include "http/form.h"

#include <algorithm>
#include <cctype>

namespace imgpipe::http {

namespace {
[[noreturn]] void malformed(const std::string& why) {
    throw Error(ErrorCode::bad_request, "malformed multipart body: " + why);
}
} // namespace

MultipartParser::MultipartParser(std::string boundary, PartSink& sink, Limits limits)
    : delimiter_("\r\n--" + boundary), sink_(sink), limits_(limits), buffer_("\r\n") {
    // The first boundary has no CRLF before it; the buffer starts with one so that the same
    // delimiter search finds every boundary.
    if (boundary.empty() || boundary.size() > 200) malformed("bad boundary");
}

void MultipartParser::feed(std::string_view chunk) {
    buffer_.append(chunk);
    run();
    if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > 64 * 1024)) {
        buffer_.erase(0, pos_);
        pos_ = 0;
    }
}

void MultipartParser::finish() {
    run();
    if (state_ != State::epilogue) malformed("the body ends before the closing boundary");
}

void MultipartParser::run() {
    while (step()) {
    }
}

bool MultipartParser::step() {
    const std::string_view buf = std::string_view(buffer_).substr(pos_);
    switch (state_) {
    case State::preamble: {
        const auto found = buf.find(delimiter_);
        if (found == std::string_view::npos) {
            // Preamble text is ignored; keep only what could be the start of the delimiter.
            if (buf.size() >= delimiter_.size()) pos_ += buf.size() - (delimiter_.size() - 1);
            return false;
        }
        pos_ += found + delimiter_.size();
        state_ = State::after_boundary;
        return true;
    }
    case State::after_boundary: {
        size_t i = 0;
        while (i < buf.size() && (buf[i] == ' ' || buf[i] == '\t')) ++i; // transport padding
        if (buf.size() < i + 2) return false;
        if (buf.substr(i, 2) == "--") {
            state_ = State::epilogue;
            pos_ = buffer_.size();
            return false;
        }
        if (buf.substr(i, 2) != "\r\n") malformed("unexpected bytes after a boundary");
        pos_ += i + 2;
        state_ = State::headers;
        return true;
    }
    case State::headers: {
        std::string_view block;
        size_t consumed = 0;
        if (buf.substr(0, 2) == "\r\n") {
            consumed = 2; // a part without headers
        } else {
            const auto end = buf.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (buf.size() > limits_.max_header_bytes) malformed("part headers too large");
                return false;
            }
            if (end > limits_.max_header_bytes) malformed("part headers too large");
            block = buf.substr(0, end);
            consumed = end + 4;
        }
        if (++parts_ > limits_.max_parts) malformed("too many parts");
        parse_headers(block);
        pos_ += consumed;
        state_ = State::body;
        return true;
    }
    case State::body: {
        const auto found = buf.find(delimiter_);
        if (found == std::string_view::npos) {
            if (buf.size() >= delimiter_.size()) {
                const size_t safe = buf.size() - (delimiter_.size() - 1);
                sink_.data(buf.substr(0, safe));
                pos_ += safe;
            }
            return false;
        }
        if (found > 0) sink_.data(buf.substr(0, found));
        sink_.end();
        pos_ += found + delimiter_.size();
        state_ = State::after_boundary;
        return true;
    }
    case State::epilogue:
        pos_ = buffer_.size();
        return false;
    }
    return false;
}

void MultipartParser::parse_headers(std::string_view block) {
    PartHeaders h;
    bool seen_disposition = false;
    while (!block.empty()) {
        const auto eol = block.find("\r\n");
        const std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) malformed("a part header line without ':'");
        const std::string name = to_lower(line.substr(0, colon));
        const std::string_view value = line.substr(colon + 1);
        if (name == "content-disposition") {
            if (seen_disposition) malformed("two Content-Disposition headers in one part");
            seen_disposition = true;
            const auto params = header_params(value);
            if (auto it = params.find("name"); it != params.end()) h.name = it->second;
            if (auto it = params.find("filename*"); it != params.end()) {
                h.filename = it->second;
            } else if (auto f = params.find("filename"); f != params.end()) {
                h.filename = f->second;
            }
        } else if (name == "content-type") {
            h.content_type = header_main_value(value);
        }
    }
    sink_.begin(h);
}

} // namespace imgpipe::http
