#include "cli/import_manifest.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace imgpipe::cli {

namespace {

// JSON text is UTF-8: a path that is not is written with U+FFFD for its stray bytes. Paths are
// compared in that form, so such a file is still found on the next run.
std::string as_written(const std::string& path) {
    return nlohmann::json(path).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool write_all(int fd, const std::string& text) {
    for (size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

} // namespace

Manifest::Manifest(const std::string& path) : path_(std::filesystem::absolute(path).lexically_normal().string()) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open the manifest " + path_ + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        throw std::runtime_error("another import is writing the manifest " + path_);
    }
    std::ifstream in(path_, std::ios::binary);
    std::string line;
    bool ends_with_newline = true;
    while (std::getline(in, line)) {
        ends_with_newline = !in.eof();
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("path") || !j["path"].is_string()) {
            bad_lines_ += !line.empty();
            continue;
        }
        const std::string p = as_written(j["path"]);
        if (j.value("status", "") == "uploaded" && j.contains("size") && j.contains("mtime_ns") &&
            j["size"].is_number_unsigned() && j["mtime_ns"].is_number_integer()) {
            uploaded_[p] = {j["size"].get<std::uint64_t>(), j["mtime_ns"].get<std::int64_t>()};
        } else {
            uploaded_.erase(p);
        }
    }
    // A run killed in the middle of a line (it writes whole lines, but a full disk may cut one):
    // the next line starts on a line of its own.
    if (!ends_with_newline && !write_all(fd_, "\n")) {
        ::close(fd_);
        throw std::runtime_error("cannot write the manifest " + path_ + ": " + std::strerror(errno));
    }
}

Manifest::~Manifest() {
    if (fd_ >= 0) ::close(fd_);
}

bool Manifest::uploaded(const ImportFile& file) const {
    const auto it = uploaded_.find(as_written(file.path));
    return it != uploaded_.end() && it->second == std::pair{file.size, file.mtime_ns};
}

void Manifest::record(const ImportFile& file, const UploadOutcome& o) {
    // In this order, for people reading the file: what it is, then what happened.
    nlohmann::ordered_json line{{"path", file.path}, {"size", file.size}, {"mtime_ns", file.mtime_ns}};
    if (o.status == UploadOutcome::Status::uploaded) {
        line["status"] = "uploaded";
        line["id"] = o.id;
        line["etag"] = o.etag;
    } else {
        line["status"] = "failed";
        line["error"] = o.error;
        line["message"] = o.message;
        if (o.http_status) line["http_status"] = o.http_status;
    }
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const std::lock_guard lock(mutex_);
    if (!write_all(fd_, text)) {
        throw std::runtime_error("cannot write the manifest " + path_ + ": " + std::strerror(errno));
    }
}

} // namespace imgpipe::cli
