#include "core/ops/format.h"

namespace imgpipe {

std::string_view format_name(Format f) {
    switch (f) {
    case Format::jpeg: return "jpeg";
    case Format::png: return "png";
    case Format::webp: return "webp";
    case Format::gif: return "gif";
    case Format::tiff: return "tiff";
    case Format::avif: return "avif";
    }
    return "jpeg";
}

std::string_view format_mime(Format f) {
    switch (f) {
    case Format::jpeg: return "image/jpeg";
    case Format::png: return "image/png";
    case Format::webp: return "image/webp";
    case Format::gif: return "image/gif";
    case Format::tiff: return "image/tiff";
    case Format::avif: return "image/avif";
    }
    return "application/octet-stream";
}

std::string_view format_extension(Format f) {
    switch (f) {
    case Format::jpeg: return ".jpg";
    case Format::png: return ".png";
    case Format::webp: return ".webp";
    case Format::gif: return ".gif";
    case Format::tiff: return ".tif";
    case Format::avif: return ".avif";
    }
    return "";
}

bool format_has_alpha(Format f) { return f != Format::jpeg; }

std::optional<Format> format_from_name(std::string_view n) {
    if (n == "jpeg" || n == "jpg") return Format::jpeg;
    if (n == "png") return Format::png;
    if (n == "webp") return Format::webp;
    if (n == "gif") return Format::gif;
    if (n == "tiff" || n == "tif") return Format::tiff;
    if (n == "avif") return Format::avif;
    return std::nullopt;
}

} // namespace imgpipe
