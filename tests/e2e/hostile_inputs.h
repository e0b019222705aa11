#pragma once

// Hostile bytes for the hostile-input suite: broken, lying and oversized images of every accepted
// format, generated here from libvips encodes (no binary files in the repository).
#include <string>

namespace imgpipe::e2e::hostile {

std::string jpeg(int width = 120, int height = 80);
std::string png(int width = 120, int height = 80);
std::string webp(int width = 120, int height = 80);
std::string gif(int width = 120, int height = 80);
std::string tiff(int width = 120, int height = 80);
std::string avif(int width = 120, int height = 80);

std::string truncated(const std::string& bytes, double keep);
// Flips bits in the middle of the file, leaving the first `keep_head` bytes (the header) intact.
std::string corrupted(const std::string& bytes, size_t keep_head);

// A valid small file whose header declares width x height.
std::string png_declaring(int width, int height);
std::string jpeg_declaring(int width, int height);
std::string gif_declaring(int width, int height);
std::string tiff_declaring(int width, int height);

std::string gif_with_frames(int frames); // 8x8 frames
std::string cmyk_jpeg(int width, int height);
std::string png16(int width, int height);
std::string bmp(int width, int height);
std::string ppm(int width, int height);

} // namespace imgpipe::e2e::hostile
