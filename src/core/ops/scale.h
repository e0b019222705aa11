#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vips/vips8>

namespace imgpipe {

// scale:<W>x<H> resizes to exactly W x H (as PIL's resize did, aspect may change);
// scale:<W>x and scale:x<H> keep the aspect ratio. resize: is an alias.
struct Scale {
    int width = 0;  // 0: derived from height, keeping aspect
    int height = 0; // 0: derived from width, keeping aspect

    static Scale parse(std::string_view args); // throws Error(invalid_chain)
    std::string canonical() const;
    std::pair<int, int> output_size(int in_width, int in_height) const;
    vips::VImage apply(const vips::VImage& in) const;
};

} // namespace imgpipe
