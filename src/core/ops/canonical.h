#pragma once

#include "core/formats/format.h"
#include "core/ops/op.h"

#include <optional>
#include <vector>

namespace imgpipe {

// Chain-level canonicalisation, beyond each op's own canonical form: ops that cannot change the
// result go, so that equivalent chains share one stored object.
// - quality: only the last counts and it touches no pixel: one quality:N at the end of the chain,
//   none when the output format (last convert, else the source's) is known and lossless;
// - background: dropped when nothing after it reads it (another background overrides it; a known
//   output format with alpha flattens nothing at the end);
// - repeated grayscale, repeated identical converts collapse.
// With `source_default` (the format the original is re-encoded to without a convert) also:
// - the last convert goes when the output keeps the same format without it and it changes no
//   pixel (its format keeps alpha, or nothing but quality follows it): rotate:10|convert:jpeg on a
//   JPEG original is rotate:10.
// Runs to a fixed point; a canonical chain is unchanged by it and by parse_chain.
void canonicalise(std::vector<Op>& ops, std::optional<Format> source_default);

// The source-aware canonical form of a parsed chain: the storage key of its result. A non-empty
// chain never becomes empty (the original itself is not re-encoded): what would be empty is
// convert:<source_default>, the plain re-encode.
Chain canonical_for(const Chain& chain, Format source_default);

} // namespace imgpipe
