#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace imgpipe::cli {

// A file the import uploads: its absolute path as named (symbolic links not resolved, so the
// manifest speaks of the paths the user sees), its size and modification time when it was found.
struct ImportFile {
    std::string path;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0; // nanoseconds since the epoch
};

struct FoundFiles {
    std::vector<ImportFile> images; // depth first, each folder in name order, each file once
    size_t not_images = 0;          // regular files whose first bytes are no accepted image format
    size_t duplicates = 0;          // paths to a file taken by another path (hard or symbolic links)
    std::vector<std::pair<std::string, std::string>> unreadable; // path, why
};

// Every image under the given files and folders, picked by the first bytes of each file with the
// server's own signatures (core/formats/source_format.h), never by name. Links to files are
// followed; links to folders are followed only when named on the command line, never inside a
// walk, so a tree that links back into itself is walked once. A file met by several paths is taken
// once, by its own path rather than a link's. Throws std::invalid_argument naming a path that does
// not exist.
FoundFiles find_images(const std::vector<std::string>& paths);

} // namespace imgpipe::cli
