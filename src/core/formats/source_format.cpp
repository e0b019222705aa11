#include "core/formats/source_format.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace imgpipe {

namespace {

constexpr std::array kFormats{
    SourceFormat{Container::jpeg, "JPEG", "VipsForeignLoadJpeg", "jpegload", "image/jpeg", Format::jpeg},
    SourceFormat{Container::png, "PNG", "VipsForeignLoadPng", "pngload", "image/png", Format::png},
    SourceFormat{Container::webp, "WebP", "VipsForeignLoadWebp", "webpload", "image/webp", Format::webp},
    SourceFormat{Container::gif, "GIF", "VipsForeignLoadNsgif", "gifload", "image/gif", Format::gif},
    SourceFormat{Container::tiff, "TIFF", "VipsForeignLoadTiff", "tiffload", "image/tiff", Format::tiff},
    SourceFormat{Container::heif, "HEIF/AVIF", "VipsForeignLoadHeif", "heifload", "image/heic", Format::jpeg},
};

const SourceFormat& row(Container c) { return kFormats[static_cast<size_t>(c)]; }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Brands of HEIF images and sequences, HEVC- or AV1-coded (ISO/IEC 23008-12, AV1 in HEIF).
bool is_heif_brand(std::string_view b) {
    for (std::string_view known : {"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1",
                                   "mif2", "msf1", "miaf", "avif", "avis", "MA1A", "MA1B"}) {
        if (b == known) return true;
    }
    return false;
}

} // namespace

std::span<const SourceFormat> source_formats() { return kFormats; }

const SourceFormat* sniff_source_format(std::string_view h) {
    auto at = [&h](size_t offset, std::string_view magic) {
        return h.size() >= offset + magic.size() && h.substr(offset, magic.size()) == magic;
    };
    if (at(0, "\xff\xd8")) return &row(Container::jpeg); // as libvips: SOI, then anything
    if (at(0, "\x89PNG\r\n\x1a\n")) return &row(Container::png);
    if (at(0, "GIF87a") || at(0, "GIF89a")) return &row(Container::gif);
    if (at(0, "RIFF") && at(8, "WEBP")) return &row(Container::webp);
    if (at(0, std::string_view("II*\0", 4)) || at(0, std::string_view("MM\0*", 4)) ||
        at(0, std::string_view("II+\0", 4)) || at(0, std::string_view("MM\0+", 4))) { // classic, BigTIFF
        return &row(Container::tiff);
    }
    if (at(4, "ftyp") && h.size() >= 16) {
        // The major brand or any compatible brand of the 'ftyp' box within the bytes given.
        const size_t box = (static_cast<size_t>(static_cast<uint8_t>(h[0])) << 24) |
                           (static_cast<size_t>(static_cast<uint8_t>(h[1])) << 16) |
                           (static_cast<size_t>(static_cast<uint8_t>(h[2])) << 8) | static_cast<uint8_t>(h[3]);
        for (size_t at_brand = 8; at_brand + 4 <= std::min(box, h.size()); at_brand += at_brand == 8 ? 8 : 4) {
            if (is_heif_brand(h.substr(at_brand, 4))) return &row(Container::heif);
        }
    }
    return nullptr;
}

const SourceFormat* source_format_of_loader(std::string_view vips_loader) {
    for (const auto& f : kFormats) {
        if (starts_with(vips_loader, f.loader_nick)) return &f;
    }
    return nullptr;
}

const SourceFormat* source_format_of_loader_class(std::string_view type_name) {
    for (const auto& f : kFormats) {
        if (starts_with(type_name, f.loader_class)) return &f;
    }
    return nullptr;
}

} // namespace imgpipe
