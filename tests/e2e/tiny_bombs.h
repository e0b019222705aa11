#pragma once

// Files of a few dozen to a few hundred bytes whose structure declares far more than they hold:
// one per PNG chunk type, and the equivalents in the other accepted containers. Each must be
// refused before a decoder allocates for what it declares. Also valid files in accepted containers
// using variants the decoders here do not read.
#include <string>
#include <vector>

namespace imgpipe::e2e::bombs {

struct Bomb {
    std::string name;
    std::string bytes;
    long status;      // what the service must answer
    std::string code; // and its JSON error code
};

// Every case, tiny: each under 1 KB except the zTXt bomb (about 20 KB inflating past the cap).
std::vector<Bomb> tiny_bombs();

// A PNG chunk of `type` carrying `data` (length and CRC computed).
std::string png_chunk(const std::string& type, const std::string& data);
// A valid 16x16 RGB PNG (IHDR, IDAT, IEND) with `extra` chunks inserted before IDAT.
std::string png_with(const std::string& extra);

// Valid files of unsupported variants: a 12-bit JPEG frame header, old-style JPEG in TIFF, 12-bit
// TIFF samples, a DNG (camera RAW in TIFF). Each with the message fragment the refusal names.
struct Variant {
    std::string name;
    std::string bytes;
    std::string says; // in the error message
};
std::vector<Variant> unsupported_variants();

} // namespace imgpipe::e2e::bombs
