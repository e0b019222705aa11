#pragma once

#include <span>
#include <string_view>

namespace imgpipe::http {

// A file of web/, compiled into the binary (cmake/embed.cmake).
struct Asset {
    std::string_view name;         // "index.html"
    std::string_view content_type; // from the extension
    std::string_view bytes;
    std::string_view etag;         // quoted MD5 of the bytes
};

std::span<const Asset> assets();

inline const Asset* find_asset(std::string_view name) {
    for (const Asset& a : assets()) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

} // namespace imgpipe::http
