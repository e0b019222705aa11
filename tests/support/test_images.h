#pragma once

#include <string>
#include <vips/vips8>

namespace imgpipe::test {

// Four solid quadrants: red top-left, green top-right, blue bottom-left, white bottom-right.
// Orientation and rotation tests check where each colour ends up.
vips::VImage quadrants(int width, int height);

// A photo-like sRGB image (fractal surfaces per channel): smooth regions and fine detail, so that
// resampling differences show up in PSNR the way they would on a photo.
vips::VImage photo_like(int width, int height, int seed = 1);

// Encodes with libvips by file suffix (".jpg", ".png", ...; options allowed: ".jpg[Q=90]").
std::string encode(const vips::VImage& img, const std::string& suffix);
vips::VImage decode(const std::string& bytes);
std::string loader_of(const vips::VImage& img); // "jpegload_buffer", ...

// PSNR in dB over all bands of images of equal size (premultiplied when they have alpha);
// inf when identical.
double psnr(const vips::VImage& a, const vips::VImage& b);

// The colour name ("red", "green", "blue", "white", "black", "other") at (x, y).
std::string colour_at(const vips::VImage& img, int x, int y);

void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

} // namespace imgpipe::test
