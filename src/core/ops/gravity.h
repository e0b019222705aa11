#pragma once

#include "core/ops/op_traits.h"

#include <optional>
#include <span>
#include <string_view>
#include <vips/vips8>

namespace imgpipe {

// Where a region goes in a larger image: shared by crop (which part to keep) and fit (which part of
// the cover to keep, where the contained picture sits in its box).
enum class Gravity { center, north, south, east, west, northeast, northwest, southeast, southwest, smart, entropy };

// The canonical names ("center", "north", ... "smart", "entropy") and the short aliases ("c",
// "centre", "n", "ne", "top", "left", ..., "attention"); nullopt for anything else.
std::optional<Gravity> parse_gravity(std::string_view s);
std::string_view gravity_name(Gravity g);
struct GravityName {
    std::string_view name;
    Gravity gravity;
};
// Every spelling the parser accepts, the canonical one first for each gravity (for the catalogue).
std::span<const GravityName> gravity_names();
// smart and entropy choose the region by its content (libvips smartcrop), not by position.
bool by_content(Gravity g);

struct Offset {
    int left = 0;
    int top = 0;
};
// The top-left corner of a `region` placed by a positional gravity inside `image` (region no
// larger than image). Centered regions round towards the top-left.
Offset place(Gravity g, Size region, Size image);

// The region of `in` of that size (clipped to the image) placed by `g`; smart and entropy ask
// libvips' smartcrop (attention, entropy) on a reduced copy, then extract: `in` is read twice.
vips::VImage crop_by_gravity(const vips::VImage& in, Size region, Gravity g);

// "<w>x<h>", both whole positive pixels (at most 10,000,000); throws Error(invalid_chain) with
// `usage` as the message. Crop and fit share this form.
Size parse_box(std::string_view s, const char* usage);

} // namespace imgpipe
