// The op-chain parser: any path segments either parse or throw Error, and parsing is canonical:
// the canonical form of a parsed chain parses back to itself.
#include "core/errors.h"
#include "core/ops/parse.h"

#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> segments; // '/' separates path segments, as in a request
    for (std::string_view rest = input; !rest.empty();) {
        const auto slash = rest.find('/');
        segments.push_back(rest.substr(0, slash));
        rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    }
    std::string canonical;
    try {
        canonical = imgpipe::parse_chain(segments, 16).canonical();
    } catch (const imgpipe::Error& e) {
        if (std::string(e.what()).empty()) std::abort(); // every refusal says why
        return 0;
    }
    if (canonical.empty()) return 0; // no ops (the original): nothing to parse back
    const std::string again = imgpipe::parse_chain({canonical}, 16).canonical();
    if (again != canonical) std::abort();
    return 0;
}
