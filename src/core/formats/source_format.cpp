#include "core/formats/source_format.h"

#include <array>

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

} // namespace

std::span<const SourceFormat> source_formats() { return kFormats; }

const SourceFormat* sniff_source_format(std::string_view h) {
    auto at = [&h](size_t offset, std::string_view magic) {
        return h.size() >= offset + magic.size() && h.substr(offset, magic.size()) == magic;
    };
    if (at(0, "\xff\xd8\xff")) return &row(Container::jpeg);
    if (at(0, "\x89PNG\r\n\x1a\n")) return &row(Container::png);
    if (at(0, "GIF87a") || at(0, "GIF89a")) return &row(Container::gif);
    if (at(0, "RIFF") && at(8, "WEBP")) return &row(Container::webp);
    if (at(0, std::string_view("II*\0", 4)) || at(0, std::string_view("MM\0*", 4))) return &row(Container::tiff);
    if (at(4, "ftyp") && (at(8, "avif") || at(8, "heic") || at(8, "heix") || at(8, "mif1"))) {
        return &row(Container::heif);
    }
    return nullptr;
}

const SourceFormat* source_format_of_loader(std::string_view vips_loader) {
    for (const auto& f : kFormats) {
        if (starts_with(vips_loader, f.loader_nick)) return &f;
    }
    return nullptr;
}

bool is_accepted_loader(std::string_view type_name) {
    for (const auto& f : kFormats) {
        if (starts_with(type_name, f.loader_class)) return true;
    }
    return false;
}

} // namespace imgpipe
