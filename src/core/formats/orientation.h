#pragma once

#include <string>
#include <string_view>

namespace imgpipe {

// Orientation (1-8, EXIF's values) carried where libvips 8.14 does not look for it. 1 when none.
// libvips applies EXIF orientation in JPEG, WebP, TIFF, HEIF and a PNG eXIf chunk that precedes
// the image data; these cover the rest.

// XMP's tiff:Orientation, as an attribute (tiff:Orientation="6") or an element.
int xmp_orientation(std::string_view xmp);

// Tag 0x0112 of IFD0 in a TIFF-structured EXIF block (with or without the "Exif\0\0" prefix).
int exif_orientation(std::string_view exif);

// A PNG's eXIf chunk wherever it is (libpng hands libvips only those before IDAT).
int png_exif_orientation(const std::string& path);

// Whether a TIFF's first directory has an Orientation tag (libvips reports 1 when it has none).
bool tiff_has_orientation_tag(const std::string& path);

} // namespace imgpipe
