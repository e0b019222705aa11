// The streaming multipart parser: any body either parses or throws Error, and the result does not
// depend on how the body is cut into chunks (the network cuts it anywhere).
#include "core/errors.h"
#include "http/multipart.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Recorder : imgpipe::http::PartSink {
    std::string log;
    void begin(const imgpipe::http::PartHeaders& h) override {
        log += "[" + h.name + "|" + h.filename + "|" + h.content_type + "]";
    }
    void data(std::string_view bytes) override { log.append(bytes); }
    void end() override { log += "[end]"; }
};

// Parses `body` fed in chunks of `chunk` bytes; returns the parts seen, or "error".
std::string parse(std::string_view body, size_t chunk) {
    Recorder r;
    try {
        imgpipe::http::MultipartParser parser("b0undary", r);
        for (size_t at = 0; at < body.size(); at += chunk) parser.feed(body.substr(at, chunk));
        parser.finish();
    } catch (const imgpipe::Error&) {
        return "error";
    }
    return r.log;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t chunk = 1 + data[0] % 64; // the first byte picks how the body is cut
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (parse(body, body.size() + 1) != parse(body, chunk)) std::abort();
    return 0;
}
