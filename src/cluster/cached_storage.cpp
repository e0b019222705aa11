#include "cluster/cached_storage.h"

#include "core/hash.h"

namespace imgpipe::cluster {

namespace fs = std::filesystem;

CachedStorage::CachedStorage(Storage& store, fs::path dir, uint64_t max_bytes)
    : store_(store), dir_(std::move(dir)), max_bytes_(max_bytes) {
    fs::create_directories(dir_);
    for (const auto& entry : fs::directory_iterator(dir_)) fs::remove_all(entry.path()); // no index kept
}

bool CachedStorage::immutable_source(const std::string& id) {
    const auto slash = id.find('/');
    return slash == std::string::npos || id.compare(slash + 1, std::string::npos, "mipmap") == 0;
}

std::optional<ObjectInfo> CachedStorage::head(const std::string& id) {
    const bool cacheable = immutable_source(id);
    if (cacheable) {
        std::lock_guard lock(mutex_);
        if (auto it = heads_.find(id); it != heads_.end()) {
            ++hits_;
            return it->second;
        }
    }
    ++head_;
    auto info = store_.head(id);
    if (info && cacheable) {
        std::lock_guard lock(mutex_);
        if (heads_.size() > 100'000) heads_.clear(); // bounded; refilled on demand
        heads_[id] = *info;
    }
    return info;
}

void CachedStorage::put_file(const ObjectInfo& info, const fs::path& file) {
    ++put_;
    store_.put_file(info, file);
}

void CachedStorage::put_bytes(const ObjectInfo& info, std::string_view bytes) {
    ++put_;
    store_.put_bytes(info, bytes);
}

std::unique_ptr<BlobReader> CachedStorage::open(const std::string& id) {
    ++get_;
    return store_.open(id);
}

std::unique_ptr<BlobReader> CachedStorage::open_range(const std::string& id, uint64_t first, uint64_t length) {
    ++get_;
    return store_.open_range(id, first, length);
}

void CachedStorage::remove(const std::string& id) {
    ++remove_;
    store_.remove(id);
    forget(id);
}

size_t CachedStorage::remove_image(const std::string& uuid) {
    ++remove_;
    const size_t removed = store_.remove_image(uuid);
    forget_original(uuid);
    return removed;
}

bool CachedStorage::exists(const std::string& id) {
    ++head_;
    if (store_.exists(id)) return true;
    if (id.find('/') == std::string::npos) {
        forget_original(id);
    } else {
        forget(id);
    }
    return false;
}

void CachedStorage::forget_original(const std::string& uuid) {
    forget(uuid);
    forget(uuid + "/mipmap");
}

void CachedStorage::forget(const std::string& id) {
    std::lock_guard lock(mutex_);
    heads_.erase(id);
    auto it = files_.find(id);
    if (it == files_.end() || it->second.pin.use_count() > 1) return; // being read: LRU takes it later
    std::error_code ec;
    fs::remove(it->second.path, ec);
    bytes_ -= it->second.size;
    lru_.erase(it->second.lru);
    files_.erase(it);
}

LocalFile CachedStorage::local_file(const std::string& id) {
    if (!immutable_source(id)) {
        ++get_;
        return store_.local_file(id);
    }
    {
        std::lock_guard lock(mutex_);
        if (auto it = files_.find(id); it != files_.end()) {
            ++hits_;
            lru_.splice(lru_.begin(), lru_, it->second.lru);
            LocalFile out{it->second.path, it->second.pin};
            evict_locked(); // what was in use at the last miss may be free now
            return out;
        }
    }
    ++get_;
    LocalFile fetched = store_.local_file(id);
    if (!fetched.keep) return fetched; // a local store's own file: nothing to copy
    const fs::path path = dir_ / sha256_hex(id).substr(0, 40);
    std::error_code ec;
    fs::rename(fetched.path, path, ec); // the download's TempFile then removes nothing
    if (ec) return fetched;
    const uint64_t size = fs::file_size(path, ec);
    std::lock_guard lock(mutex_);
    if (auto it = files_.find(id); it != files_.end()) { // another thread fetched it meanwhile
        fs::remove(path, ec);
        return LocalFile{it->second.path, it->second.pin};
    }
    lru_.push_front(id);
    Entry& e = files_[id];
    e = Entry{path, size, std::make_shared<int>(0), lru_.begin()};
    bytes_ += size;
    LocalFile out{e.path, e.pin};
    evict_locked();
    return out;
}

void CachedStorage::evict_locked() {
    for (auto it = lru_.end(); bytes_ > max_bytes_ && it != lru_.begin();) {
        --it;
        auto entry = files_.find(*it);
        if (entry->second.pin.use_count() > 1) continue; // being read
        std::error_code ec;
        fs::remove(entry->second.path, ec);
        bytes_ -= entry->second.size;
        files_.erase(entry);
        it = lru_.erase(it);
    }
}

CachedStorage::Counts CachedStorage::counts() const {
    std::lock_guard lock(mutex_);
    return Counts{head_.load(), get_.load(), put_.load(), remove_.load(), hits_.load(), bytes_,
                  files_.size()};
}

} // namespace imgpipe::cluster
