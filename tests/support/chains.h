#pragma once

#include "core/errors.h"
#include "core/ops/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace imgpipe::test {

// The canonical form of `chain` as parsed (at most 16 ops).
inline std::string canon(std::string_view chain) { return parse_chain({chain}, 16).canonical(); }

// The message of the invalid_chain error `chain` gives ("" and a test failure when none).
inline std::string error_of(std::string_view chain) {
    try {
        parse_chain({chain}, 16);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_chain) << chain;
        return e.what();
    }
    ADD_FAILURE() << "no error for " << chain;
    return "";
}

} // namespace imgpipe::test
