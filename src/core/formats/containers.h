#pragma once

// One structural check per container; precheck.cpp picks the one for a file. Each throws as
// precheck_container documents.
#include "core/formats/file_bytes.h"

namespace imgpipe::containers {

// `max_pixels` is the source pixel limit: a checker that reads the declared size applies it
// (image_too_large) before judging the coded data against that size.
void check_png(const FileBytes& f, uint64_t max_pixels);
void check_jpeg(const FileBytes& f, uint64_t max_pixels);
void check_webp(const FileBytes& f, uint64_t max_pixels);
void check_gif(const FileBytes& f, uint64_t max_pixels);
void check_tiff(const FileBytes& f, uint64_t max_pixels);
void check_isobmff(const FileBytes& f, uint64_t max_pixels); // HEIF/AVIF

// Deflate's best case: a stream of 258-byte matches, 2 bits each, is 1032 bytes out per byte in.
// Coded data smaller than this allows cannot hold the pixels its header declares.
constexpr uint64_t kDeflateMaxRatio = 1032;

} // namespace imgpipe::containers
