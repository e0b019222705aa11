#pragma once

namespace imgpipe {

// Starts libvips for a server: the operation cache off (results are stored, not cached in RAM),
// `vips_concurrency` threads per job, and only the loaders on the allow-list (JPEG, PNG, WebP, GIF,
// TIFF, HEIF/AVIF) enabled: SVG, PDF, ImageMagick and the rest are blocked. Call once from main.
void start_vips(const char* argv0, int vips_concurrency);

// Call at the start of every job that runs libvips on a pool thread (only a thread's first call
// does anything). Makes the thread, and the libvips threads it starts (they inherit it), batch
// work for the kernel's scheduler (SCHED_BATCH): a pipeline's threads hand tiles to each other all
// the time, and with the default policy each of those wake-ups preempted whatever ran on the other
// core, often another pipeline: ~125 context switches per cold thumbnail at two at once, ~55 as
// batch, 4-7% more transforms a second (bench/RESULTS.md). Their share of the CPU is the same
// (same nice); the HTTP threads keep the default policy, so their wake-ups still preempt pixel
// work and stored answers do not wait behind it.
void begin_vips_job();

// Frees libvips' per-thread state; call at the end of every job on a pool thread.
void end_vips_job();

} // namespace imgpipe
