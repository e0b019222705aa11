#include "cli/import_walk.h"

#include "core/formats/source_format.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imgpipe::cli {

namespace {

namespace fs = std::filesystem;

// A regular file met on the way, links followed.
struct Candidate {
    fs::path path;
    struct stat st;
    bool by_link; // reached through a symbolic link
};

class Walker {
public:
    FoundFiles found;

    void named(const std::string& arg) {
        fs::path path = fs::absolute(arg).lexically_normal();
        if (!path.has_filename() && path != path.root_path()) path = path.parent_path(); // "dir/"
        struct stat lst {}, st {};
        if (::lstat(path.c_str(), &lst) != 0 || ::stat(path.c_str(), &st) != 0) {
            throw std::invalid_argument(arg + ": " + std::strerror(errno));
        }
        if (S_ISDIR(st.st_mode)) {
            walk(path);
        } else if (S_ISREG(st.st_mode)) {
            candidates_.push_back({path, st, S_ISLNK(lst.st_mode)});
        }
    }

    // Each file once: by its own path when one was met, else by the first link to it; then the
    // images among them.
    FoundFiles finish() {
        std::map<std::pair<dev_t, ino_t>, size_t> chosen; // file -> index in candidates_
        for (size_t i = 0; i < candidates_.size(); ++i) {
            const auto& c = candidates_[i];
            const auto [it, first] = chosen.try_emplace({c.st.st_dev, c.st.st_ino}, i);
            if (!first && candidates_[it->second].by_link && !c.by_link) it->second = i;
        }
        found.duplicates = candidates_.size() - chosen.size();
        std::vector<size_t> keep;
        for (const auto& [file, i] : chosen) keep.push_back(i);
        std::sort(keep.begin(), keep.end()); // the order of the walk
        for (size_t i : keep) sniff(candidates_[i]);
        return std::move(found);
    }

private:
    std::vector<Candidate> candidates_;

    void unreadable(const fs::path& path, const std::string& why) {
        found.unreadable.emplace_back(path.string(), why);
    }

    void walk(const fs::path& dir) {
        std::vector<fs::path> entries;
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            entries.push_back(it->path());
        }
        if (ec) unreadable(dir, ec.message()); // what was listed before the error is still walked
        std::sort(entries.begin(), entries.end());
        for (const fs::path& entry : entries) {
            struct stat st {};
            if (::lstat(entry.c_str(), &st) != 0) {
                unreadable(entry, std::strerror(errno));
                continue;
            }
            if (S_ISDIR(st.st_mode)) {
                walk(entry);
                continue;
            }
            const bool by_link = S_ISLNK(st.st_mode);
            if (by_link && ::stat(entry.c_str(), &st) != 0) {
                unreadable(entry, std::string("a link to nowhere: ") + std::strerror(errno));
                continue;
            }
            // Links to folders are never followed inside a walk; sockets, pipes and devices are
            // not files to upload.
            if (S_ISREG(st.st_mode)) candidates_.push_back({entry, st, by_link});
        }
    }

    void sniff(const Candidate& c) {
        const int fd = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            unreadable(c.path, std::strerror(errno));
            return;
        }
        char head[64];
        const ssize_t n = ::pread(fd, head, sizeof head, 0);
        const int read_errno = errno;
        ::close(fd);
        if (n < 0) {
            unreadable(c.path, std::strerror(read_errno));
            return;
        }
        if (!sniff_source_format({head, static_cast<size_t>(n)})) {
            ++found.not_images;
            return;
        }
        found.images.push_back({c.path.string(), static_cast<std::uint64_t>(c.st.st_size),
                                static_cast<std::int64_t>(c.st.st_mtim.tv_sec) * 1'000'000'000 +
                                    c.st.st_mtim.tv_nsec});
    }
};

} // namespace

FoundFiles find_images(const std::vector<std::string>& paths) {
    Walker walker;
    for (const auto& p : paths) walker.named(p);
    return walker.finish();
}

} // namespace imgpipe::cli
