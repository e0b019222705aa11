#pragma once

namespace imgpipe {

// Starts libvips for a server: the operation cache off (results are stored, not cached in RAM),
// `vips_concurrency` threads per job, and only the loaders on the allow-list (JPEG, PNG, WebP, GIF,
// TIFF, HEIF/AVIF) enabled: SVG, PDF, ImageMagick and the rest are blocked. Call once from main.
void start_vips(const char* argv0, int vips_concurrency);

// Frees libvips' per-thread state; call at the end of every job on a pool thread.
void end_vips_job();

} // namespace imgpipe
