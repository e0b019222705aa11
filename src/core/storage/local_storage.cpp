#include "core/storage/local_storage.h"

#include "core/errors.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace imgpipe {

namespace fs = std::filesystem;

namespace {

// A canonical chain as one file name: bytes outside [A-Za-z0-9:,._x-] become %XX, and names too
// long for the file system become a hash (the full id is kept in the metadata).
std::string encode_name(std::string_view chain) {
    // A leading '.' is encoded too, so that no name is "." or ".." or hidden.
    std::string out = chain.substr(0, 1) == "." ? "%2E" + percent_encode(chain.substr(1), ":,_-.")
                                                : percent_encode(chain, ":,_-.");
    if (out.size() > 200) out = "h-" + sha256_hex(chain);
    return out;
}

void fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// `size` bytes of the file from where fd is positioned.
class FileReader final : public BlobReader {
public:
    FileReader(int fd, uint64_t size) : fd_(fd), size_(size), left_(size) {}
    ~FileReader() override { ::close(fd_); }
    uint64_t size() const override { return size_; }
    int native_fd() const override { return fd_; }
    size_t read(char* buf, size_t n) override {
        n = static_cast<size_t>(std::min<uint64_t>(n, left_));
        if (n == 0) return 0;
        ssize_t r;
        do {
            r = ::read(fd_, buf, n);
        } while (r < 0 && errno == EINTR);
        if (r < 0) throw std::runtime_error("read failed");
        left_ -= static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
    }

private:
    int fd_;
    uint64_t size_;
    uint64_t left_;
};

// An object's bytes (or `length` of them from `first`) kept in memory by HotBlobs.
class MemoryReader final : public BlobReader {
public:
    MemoryReader(HotBlobs::Bytes bytes, uint64_t first, uint64_t length)
        : bytes_(std::move(bytes)), first_(first), at_(first), end_(first + length) {}
    uint64_t size() const override { return end_ - first_; }
    std::string_view contiguous() const override { return std::string_view(*bytes_).substr(first_, size()); }
    size_t read(char* buf, size_t n) override {
        n = static_cast<size_t>(std::min<uint64_t>(n, end_ - at_));
        std::memcpy(buf, bytes_->data() + at_, n);
        at_ += n;
        return n;
    }

private:
    HotBlobs::Bytes bytes_;
    uint64_t first_;
    uint64_t at_;
    uint64_t end_;
};

} // namespace

LocalStorage::LocalStorage(fs::path root, std::chrono::seconds min_age, uint64_t variants_max_bytes,
                           uint64_t memory_max_bytes)
    : root_(std::move(root)), shared_(min_age.count() > 0),
      lru_(variants_max_bytes > 0 ? std::make_unique<VariantLru>(variants_max_bytes) : nullptr),
      hot_(memory_max_bytes > 0 ? std::make_unique<HotBlobs>(memory_max_bytes, kMaxHotObject) : nullptr) {
    fs::create_directories(root_ / "objects");
    fs::create_directories(root_ / "tmp");
    const auto cutoff = fs::file_time_type::clock::now() - min_age;
    auto old_enough = [&](const fs::path& p) {
        std::error_code ec;
        const auto t = fs::last_write_time(p, ec);
        return min_age.count() == 0 || (!ec && t <= cutoff);
    };
    for (const auto& entry : fs::directory_iterator(root_ / "tmp")) {
        if (!old_enough(entry.path())) continue;
        fs::remove_all(entry.path());
        ++swept_.temp_files;
    }
    for (const auto& image : fs::directory_iterator(root_ / "objects")) {
        if (!old_enough(image.path())) continue;
        if (!fs::exists(image.path() / "original.json")) {
            fs::remove_all(image.path()); // the upload never completed
            ++swept_.incomplete_objects;
            continue;
        }
        for (const auto& file : fs::directory_iterator(image.path())) {
            const fs::path& p = file.path();
            const bool meta = p.extension() == ".json";
            // A blob without its metadata, or (never written so, but checked) metadata without blob.
            const fs::path other = meta ? fs::path(p).replace_extension() : fs::path(p.string() + ".json");
            if (!fs::exists(other)) {
                fs::remove(p);
                ++swept_.incomplete_objects;
            }
        }
    }
    if (lru_) index_variants();
}

namespace {

// A variant of an image, as the cap counts them: not the original, not the mipmap.
bool is_variant(const std::string& id) {
    const auto slash = id.find('/');
    return slash != std::string::npos && id.compare(slash + 1, std::string::npos, "mipmap") != 0;
}

// Whether a variant read from disk (not the metadata cache) is as its metadata says: its
// metadata parsed and its blob has the length recorded. A power cut can break either, since
// variants are not fsynced; ext4's ordered mode never shows another file's bytes, only a
// shorter (often empty) file.
bool whole(const std::optional<ObjectInfo>& info, const fs::path& blob) {
    if (!info) return false;
    struct stat st {};
    return ::stat(blob.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == info->content_length;
}

} // namespace

void LocalStorage::index_variants() {
    struct Found {
        std::string id;
        uint64_t bytes;
        int64_t last_use_ns;
    };
    std::vector<Found> found;
    for (const auto& image : fs::directory_iterator(root_ / "objects")) {
        const std::string uuid = image.path().filename().string();
        if (!is_image_id(uuid)) continue;
        for (const auto& file : fs::directory_iterator(image.path())) {
            const std::string name = file.path().filename().string();
            if (file.path().extension() == ".json" || name == "original" || name == "mipmap") continue;
            struct stat blob {}, meta {};
            const std::string meta_path = file.path().string() + ".json";
            if (::stat(file.path().c_str(), &blob) != 0 || ::stat(meta_path.c_str(), &meta) != 0) continue;
            // A hashed name (a long chain) keeps its id in the metadata only.
            std::string id = uuid + "/" + percent_decode(name);
            if (name.starts_with("h-")) {
                std::ifstream in(meta_path);
                const auto j = nlohmann::json::parse(in, nullptr, false);
                if (j.is_discarded() || !j.contains("id")) continue;
                id = j["id"].get<std::string>();
            }
            // Reads update atime (where the mount records it); a new file has only its mtime.
            const auto ns = [](const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
            found.push_back(Found{std::move(id), static_cast<uint64_t>(blob.st_size + meta.st_size),
                                  std::max(ns(blob.st_atim), ns(blob.st_mtim))});
        }
    }
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.last_use_ns < b.last_use_ns; });
    for (const Found& f : found) lru_->add(f.id, f.bytes);
    evict(); // the cap may have been lowered since the last run
}

void LocalStorage::used(const std::string& id) {
    if (lru_ && is_variant(id)) lru_->touch(id);
}

void LocalStorage::evict() {
    for (const std::string& id : lru_->take_over_cap()) {
        remove(id);
        ++evicted_;
    }
}

ObjectId parse_object_id(const std::string& id) {
    const auto slash = id.find('/');
    ObjectId parsed{id.substr(0, slash), slash == std::string::npos ? "" : id.substr(slash + 1)};
    if (!is_image_id(parsed.uuid) || (slash != std::string::npos && parsed.chain.empty())) {
        throw Error(ErrorCode::not_found, "no image with this id");
    }
    return parsed;
}

fs::path LocalStorage::blob_path(const std::string& id) const {
    const ObjectId parsed = parse_object_id(id);
    const fs::path dir = root_ / "objects" / parsed.uuid;
    return parsed.chain.empty() ? dir / "original" : dir / encode_name(parsed.chain);
}

uint64_t LocalStorage::cache_epoch() {
    std::lock_guard lock(cache_mutex_);
    return epoch_;
}

void LocalStorage::remember(const ObjectInfo& info, uint64_t epoch) {
    std::lock_guard lock(cache_mutex_);
    if (epoch != epoch_) return; // a removal ran meanwhile: the file read may be gone
    if (cache_.size() >= kMaxCachedInfos) cache_.clear(); // crude, but bounded and rare
    cache_[info.id] = info;
}

std::optional<ObjectInfo> LocalStorage::head(const std::string& id) {
    const fs::path blob = blob_path(id); // validates the id first
    const std::string meta = blob.string() + ".json";
    uint64_t epoch = 0;
    {
        std::lock_guard lock(cache_mutex_);
        epoch = epoch_;
        if (auto it = cache_.find(id); it != cache_.end()) {
            // Another process may have deleted it: a stat, still far cheaper than reading JSON.
            if (!shared_ || ::access(meta.c_str(), F_OK) == 0) {
                used(id);
                return it->second;
            }
            cache_.erase(it);
        }
    }
    std::ifstream in{meta};
    if (!in) return std::nullopt;
    std::optional<ObjectInfo> info;
    try {
        info = nlohmann::json::parse(in).get<ObjectInfo>();
    } catch (const nlohmann::json::exception&) {
        // Only an unsynced variant can be cut so (put_bytes), by a power cut.
    }
    if (is_variant(id) && !whole(info, blob)) {
        remove(id); // computed again on the next request
        return std::nullopt;
    }
    if (!info) return std::nullopt;
    remember(*info, epoch);
    used(id);
    return info;
}

void LocalStorage::commit(const ObjectInfo& info, const fs::path& blob_tmp, bool durable) {
    const fs::path blob = blob_path(info.id);
    const uint64_t epoch = cache_epoch();
    fs::create_directories(blob.parent_path());
    TempFile meta(temp_dir());
    const std::string meta_json = nlohmann::json(info).dump();
    meta.write(meta_json);
    meta.close(durable);
    // Blob first, metadata last: head() sees an object only after both are in place.
    try {
        fs::rename(blob_tmp, blob);
        fs::rename(meta.path(), blob.string() + ".json");
    } catch (const fs::filesystem_error& e) {
        // remove_image took the image's directory away since create_directories.
        if (e.code() == std::errc::no_such_file_or_directory && !fs::exists(blob.parent_path())) {
            throw Error(ErrorCode::not_found, "no image with this id");
        }
        throw;
    }
    meta.release();
    if (durable) fsync_dir(blob.parent_path());
    remember(info, epoch);
    if (lru_ && is_variant(info.id)) {
        lru_->add(info.id, info.content_length + meta_json.size());
        evict();
    }
}

void LocalStorage::put_file(const ObjectInfo& info, const fs::path& file) {
    try {
        commit(info, file, true);
    } catch (...) {
        fs::remove(file);
        throw;
    }
}

void LocalStorage::put_bytes(const ObjectInfo& info, std::string_view bytes) {
    // A variant can be computed again: it is not fsynced (three fsyncs, ~13 ms of waiting per
    // transform on the project's VMs). kill -9 loses nothing that reached the page cache; a power
    // cut may leave a variant short or its metadata cut, which head() finds and removes, and the
    // next request computes it again. Originals and mipmaps are fsynced before the answer.
    const bool durable = !is_variant(info.id);
    TempFile blob(temp_dir());
    blob.write(bytes);
    blob.close(durable);
    commit(info, blob.path(), durable);
    blob.release();
}

std::unique_ptr<BlobReader> LocalStorage::open(const std::string& id) { return open_at(id, 0, std::nullopt); }

std::unique_ptr<BlobReader> LocalStorage::open_range(const std::string& id, uint64_t first, uint64_t length) {
    return open_at(id, first, length);
}

HotBlobs::Bytes LocalStorage::read_hot(const std::string& id, const ObjectInfo& info) {
    const uint64_t epoch = cache_epoch();
    const int fd = ::open(blob_path(id).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    auto bytes = std::make_shared<std::string>(info.content_length + 1, '\0'); // +1: a longer file shows
    size_t got = 0;
    while (got < bytes->size()) {
        const ssize_t r = ::read(fd, bytes->data() + got, bytes->size() - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += static_cast<size_t>(r);
    }
    ::close(fd);
    if (got != info.content_length) return nullptr;
    bytes->resize(got);
    std::lock_guard lock(cache_mutex_);
    if (epoch == epoch_) hot_->put(id, bytes); // else a removal ran meanwhile: served, not kept
    return bytes;
}

std::unique_ptr<BlobReader> LocalStorage::open_at(const std::string& id, uint64_t first,
                                                  std::optional<uint64_t> length) {
    const std::optional<ObjectInfo> info = head(id);
    if (!info) return nullptr;
    if (hot_ && hot_->admits(info->content_length)) {
        HotBlobs::Bytes bytes = hot_->get(id);
        if (!bytes && hot_->asked_before(id)) bytes = read_hot(id, *info);
        if (bytes && first <= bytes->size()) {
            const uint64_t n = std::min<uint64_t>(length.value_or(bytes->size() - first), bytes->size() - first);
            return std::make_unique<MemoryReader>(std::move(bytes), first, n);
        }
    }
    const int fd = ::open(blob_path(id).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    if (!length) {
        struct stat st {};
        ::fstat(fd, &st);
        length = static_cast<uint64_t>(st.st_size);
    }
    if (first > 0 && ::lseek(fd, static_cast<off_t>(first), SEEK_SET) < 0) {
        ::close(fd);
        throw std::runtime_error("seek failed");
    }
    return std::make_unique<FileReader>(fd, *length);
}

LocalFile LocalStorage::local_file(const std::string& id) {
    return LocalFile{blob_path(id), nullptr};
}

void LocalStorage::remove(const std::string& id) {
    const fs::path blob = blob_path(id);
    {
        std::lock_guard lock(cache_mutex_);
        cache_.erase(id);
        if (hot_) hot_->erase(id);
        ++epoch_;
    }
    if (lru_) lru_->erase(id);
    // Metadata first: the object stops being visible before its bytes go.
    fs::remove(blob.string() + ".json");
    fs::remove(blob);
    std::error_code ec;
    fs::remove(blob.parent_path(), ec); // the image's directory, if that was its last object
}

size_t LocalStorage::remove_image(const std::string& uuid) {
    const fs::path dir = blob_path(uuid).parent_path(); // validates the uuid first
    const fs::path trash = temp_dir() / ("deleted-" + uuid + "-" + new_image_id());
    std::error_code ec;
    fs::rename(dir, trash, ec);
    {
        std::lock_guard lock(cache_mutex_);
        std::erase_if(cache_, [&uuid](const auto& entry) { return is_of_image(entry.first, uuid); });
        if (hot_) hot_->erase_image(uuid);
        ++epoch_;
    }
    if (lru_) lru_->erase_image(uuid);
    if (ec == std::errc::no_such_file_or_directory) return 0;
    if (ec) throw fs::filesystem_error("cannot remove an image", dir, ec);
    fsync_dir(root_ / "objects");
    size_t removed = 0;
    for (const auto& file : fs::directory_iterator(trash)) removed += file.path().extension() == ".json";
    fs::remove_all(trash);
    return removed;
}

bool LocalStorage::exists(const std::string& id) {
    return ::access((blob_path(id).string() + ".json").c_str(), F_OK) == 0;
}

ImagePage LocalStorage::list_images(const std::string& after, size_t limit) {
    // The limit + 1 smallest ids after the cursor (one more than the page tells whether there is a
    // next one), without holding every name of a large store.
    ImagePage page;
    if (limit == 0) return page;
    std::set<std::string> ids;
    for (const auto& dir : fs::directory_iterator(root_ / "objects")) {
        std::string name = dir.path().filename().string();
        if (name <= after || !is_image_id(name)) continue;
        if (ids.size() > limit && name >= *ids.rbegin()) continue;
        ids.insert(std::move(name));
        if (ids.size() > limit + 1) ids.erase(std::prev(ids.end()));
    }
    size_t taken = 0;
    for (const std::string& id : ids) {
        if (taken++ == limit) {
            page.next = *std::prev(ids.end(), 2); // the last id this page looked at
            break;
        }
        // An upload not complete yet, or an image removed meanwhile, is not listed.
        struct stat st {};
        const auto info = head(id);
        if (!info || ::stat((blob_path(id).string() + ".json").c_str(), &st) != 0) continue;
        const auto created = std::chrono::seconds(st.st_mtim.tv_sec) +
                             std::chrono::nanoseconds(st.st_mtim.tv_nsec);
        page.images.push_back(StoredImage{
            *info, std::chrono::system_clock::time_point(
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(created))});
    }
    return page;
}

std::string LocalStorage::identity() {
    const fs::path file = root_ / "store-id";
    if (!fs::exists(file)) {
        TempFile token(temp_dir());
        token.write(new_image_id());
        token.sync_and_close();
        // link(2) fails if another process created it first: then theirs is the identity.
        if (::link(token.path().c_str(), file.c_str()) == 0) fsync_dir(root_);
    }
    std::ifstream in(file);
    std::string id;
    std::getline(in, id);
    return id;
}

} // namespace imgpipe
