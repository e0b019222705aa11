#pragma once

#include <string>
#include <vips/vips8>

namespace imgpipe {

// A reduced copy of a large original, made at upload from the decode that checks the upload
// anyway: upright, sRGB (or grey), 8-bit, fitting in kMipmapSide x kMipmapSide, stored as raw
// pixels next to the original. Every later variant that needs no more pixels than that (every
// thumbnail up to 1024 pixels) starts from it instead of decoding the original again: no entropy
// decoding, no colour conversion, and with S3 a small download instead of the original.
constexpr int kMipmapSide = 1024;

struct Mipmap {
    std::string pixels; // width x height x bands bytes
    int width = 0;
    int height = 0;
    int bands = 0;
};

// Originals at least 1.5 times larger than the mipmap get one.
bool wants_mipmap(int width, int height);
// Decodes the whole file (failing on corrupt or truncated data: Error(undecodable)).
Mipmap make_mipmap(const std::string& path);

std::string mipmap_id(const std::string& original_id); // "<uuid>/mipmap", never a valid chain
std::string mipmap_content_type(int bands);             // "application/x-imgpipe-raw; bands=3"
int mipmap_bands(const std::string& content_type);      // 0 if not a mipmap type

// An image over the pixels (which must outlive it), with the right interpretation.
vips::VImage mipmap_image(std::string_view pixels, int width, int height, int bands);

} // namespace imgpipe
