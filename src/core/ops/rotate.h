#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vips/vips8>

namespace imgpipe {

// rotate:<degrees>. Positive turns counter-clockwise (as PIL's rotate did); the canvas grows to
// hold the whole picture and the new corners are transparent (flattened onto white by formats
// without alpha). Multiples of 90 are exact pixel moves.
struct Rotate {
    double degrees = 0; // normalised to [0, 360)

    static Rotate parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    bool is_identity() const { return degrees == 0; }
    bool is_right_angle() const;
    std::pair<int, int> output_size(int width, int height) const;
    vips::VImage apply(const vips::VImage& in) const;
};

} // namespace imgpipe
