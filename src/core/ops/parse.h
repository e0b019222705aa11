#pragma once

#include "core/ops/op.h"

#include <string_view>
#include <vector>

namespace imgpipe {

// Parses the path segments of GET /image/<id>/<seg>/<seg>/..., each segment a chain of ops joined
// by '|' (already percent-decoded). Segments are concatenated: "a/b" means "a|b". Op names and
// arguments are case-insensitive and may be padded with spaces. The result is canonical: identity
// rotations are dropped and repeated identical converts collapse, and the chain-level rules of
// canonical.h apply (those that need no source format).
// Throws Error(invalid_chain) naming the bad op, or Error(too_many_ops).
Chain parse_chain(const std::vector<std::string_view>& segments, int max_ops);

} // namespace imgpipe

namespace imgpipe {
// Whether `lower_name` names an op (any of its names): preset names must not.
bool is_op_name(std::string_view lower_name);
} // namespace imgpipe
