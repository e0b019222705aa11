#pragma once

#include <cstdint>
#include <string_view>

namespace imgpipe::http {

// What a GET of /bytes/ sends for its `Range` header (RFC 9110 14), for an object of `size` bytes.
struct RangeAnswer {
    enum Kind {
        whole,         // 200 with everything: no Range, another unit, several ranges, a malformed one
        part,          // 206 with bytes [first, first + length)
        unsatisfiable, // 416: the one range starts beyond the end (or asks for a suffix of 0 bytes)
    };
    Kind kind = whole;
    uint64_t first = 0;
    uint64_t length = 0;
};

// A single range `bytes=a-b`, `bytes=a-` or `bytes=-n` (the last n bytes), its end clipped to the
// object. Several ranges get the whole object (RFC 9110 lets a server ignore Range; one 200 is
// simpler for every client than multipart/byteranges), as does anything malformed (`a-b` with
// b < a included).
RangeAnswer answer_range(std::string_view range, uint64_t size);

// Whether a Range may be honoured given `If-Range` (empty when absent): only when it is absent or
// names this strong ETag. A date never matches (no Last-Modified is sent), nor a weak ETag.
bool if_range_holds(std::string_view if_range, std::string_view etag);

} // namespace imgpipe::http
