#pragma once

#include "core/ops/op_doc.h"

#include <concepts>
#include <string>
#include <string_view>
#include <vector>
#include <vips/vips8>

namespace imgpipe {

struct Size {
    int width = 0;
    int height = 0;
    bool operator==(const Size&) const = default;
};

// How an op relates to the planner's one reordering: decoding the source already shrunk
// (shrink-on-load), which runs the ops before the first resize on fewer pixels.
enum class ShrinkRule {
    commutes, // the same picture on a uniformly shrunk image, given rescaled() parameters
    resizes,  // a resize: the first one decides how far the source may shrink
    barrier,  // needs the pixels as they are at its point of the chain: no shrink across it
};

// What flows along a chain beside the pixels.
struct ChainContext {
    // The fill of new corners and padding, and what transparency is flattened onto; empty: as
    // imgpipe always did (transparent corners, white when flattened).
    std::vector<double> background;
};

// Every op type declares all of this; the parser, planner and executor only dispatch on it, so an
// op is added in its own files plus the list in op.h. `rescaled(fx, fy)` is the op as it must run
// on the image shrunk by fx, fy (pixel coordinates, radii); ops that have none return *this.
template <class T>
concept OpType = requires(const T op, std::string_view args, Size size, double f, const vips::VImage& img,
                          ChainContext& ctx) {
    { T::names[0] } -> std::convertible_to<std::string_view>; // the first is canonical
    { T::doc } -> std::convertible_to<OpDoc>; // for people and the page (op_doc.h)
    { T::shrink } -> std::convertible_to<ShrinkRule>;
    // How much more than the next resize needs this op wants when it runs shrunk (rotate: its
    // interpolation blurs at the scale it runs at).
    { T::shrink_oversample } -> std::convertible_to<double>;
    // Reads its input out of order (a shrink-on-load decode streams top to bottom).
    { op.random_access() } -> std::same_as<bool>;
    { T::parse(args) } -> std::same_as<T>; // throws Error(invalid_chain) saying what is wrong
    { op.canonical() } -> std::same_as<std::string>;
    { op.is_identity() } -> std::same_as<bool>; // dropped from the canonical chain
    // Rendered into memory before a later resize or out-of-order op reads it.
    { op.renders_first() } -> std::same_as<bool>;
    { op.output_size(size) } -> std::same_as<Size>;
    { op.rescaled(f, f) } -> std::same_as<T>;
    { op.apply(img, ctx) } -> std::same_as<vips::VImage>;
};

} // namespace imgpipe
