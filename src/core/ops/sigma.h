#pragma once

#include <string>
#include <string_view>

namespace imgpipe {

// The gaussian sigma of blur and sharpen, in pixels: a plain decimal in (0, 1000] (libvips'
// own bound for gaussblur; larger masks only burn the time limit), kept to 1e-6 so that "2",
// "2.0" and "2.0000001" are one canonical string. Throws Error(invalid_chain) naming `example`.
double parse_sigma(std::string_view args, std::string_view example);
std::string format_sigma(double sigma); // "2", "0.5": no trailing zeros

inline constexpr double kMaxSigma = 1000.0;

} // namespace imgpipe
