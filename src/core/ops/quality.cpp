#include "core/ops/quality.h"

#include "core/errors.h"

#include <algorithm>

namespace imgpipe {

Quality Quality::parse(std::string_view args) {
    // Digits only; leading zeros allowed ("080" is 80), at most a few so the value cannot overflow.
    const bool digits = !args.empty() && args.size() <= 6 &&
                        std::all_of(args.begin(), args.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int v = digits ? std::stoi(std::string(args)) : 0;
    if (v < 1 || v > 100) {
        throw Error(ErrorCode::invalid_chain, "expects a whole number from 1 to 100, like quality:80");
    }
    return Quality{v};
}

} // namespace imgpipe
