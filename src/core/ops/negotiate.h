#pragma once

#include "core/formats/format.h"
#include "core/ops/op.h"

#include <string>
#include <string_view>

namespace imgpipe {

// Content negotiation for convert:auto.
//
// The format for a request's Accept header: AVIF or WebP when the header names it with q > 0
// (the higher q wins; AVIF on a tie), else the fallback: PNG when the image may have
// transparency, JPEG when it cannot. Wildcards (image/*, */*) are no preference: every browser
// that can show AVIF or WebP names it, and a client saying only */* (curl) gets the safe format.
// q=0 means "not acceptable" (RFC 9110 12.4.2), also when a wildcard would admit the type.
Format negotiate_format(std::string_view accept, bool may_have_alpha);

// Whether the chain holds a convert:auto.
bool negotiates(const Chain& chain);

// Whether the result of `chain` up to its first convert:auto may carry transparency, judged
// without decoding anything. The cheapest honest answer from what the API has at hand (the
// original's stored metadata, which records no band count): JPEG sources never have alpha (nor
// HEIC, which imgpipe re-encodes as JPEG by default); every other source format can, so it is
// assumed to (the fallback is then PNG: an opaque PNG source stays lossless PNG, a transparent one
// keeps its transparency); a convert to a format without alpha earlier in the chain flattened it.
bool may_have_alpha(std::string_view original_mime, const Chain& chain);

// The chain with every convert:auto replaced by convert:<format>, canonical again (a convert that
// now repeats the one before it collapses, as parse_chain does).
Chain concrete_chain(const Chain& chain, Format format);

} // namespace imgpipe
