#pragma once

#include <string>
#include <string_view>

namespace imgpipe {

// A client-supplied file name made safe to store and echo in JSON and headers: control bytes
// (CR/LF included), path separators and quotes removed, bytes that are not UTF-8 replaced by U+FFFD,
// at most 255 bytes of whole characters, "image" if nothing is left. The name is never used as a
// path.
std::string sanitize_filename(std::string_view name);

} // namespace imgpipe
