#include "core/filename.h"

namespace imgpipe {

std::string sanitize_filename(std::string_view name) {
    std::string clean;
    for (unsigned char c : name) {
        if (c >= 0x20 && c != 0x7f && c != '/' && c != '\\' && c != '"') clean += static_cast<char>(c);
    }
    if (clean.size() > 255) clean.resize(255);
    while (!clean.empty() && clean.front() == ' ') clean.erase(0, 1);
    return clean.empty() || clean == "." || clean == ".." ? "image" : clean;
}

} // namespace imgpipe
