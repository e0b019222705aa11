#pragma once

#include "core/storage/storage.h"

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

namespace imgpipe::cluster {

// A worker's view of the store: originals and mipmaps never change once stored, so their metadata
// is kept in memory and their bytes in a local directory bounded by `max_bytes` (least recently
// used first out; files being read are never removed). Repeated variants of one image then cost
// one read of the store. Every call that reaches the store is counted, by kind. Images are deleted
// through the store by an API node: an id is never reused, and the API node checks the original
// before it queues a job, so a deleted original is not asked for again; exists() (the check a
// transform makes after storing its result) asks the store and drops what it finds gone.
class CachedStorage final : public Storage {
public:
    CachedStorage(Storage& store, std::filesystem::path dir, uint64_t max_bytes);

    std::optional<ObjectInfo> head(const std::string& id) override;
    void put_file(const ObjectInfo& info, const std::filesystem::path& file) override;
    void put_bytes(const ObjectInfo& info, std::string_view bytes) override;
    std::unique_ptr<BlobReader> open(const std::string& id) override;
    std::unique_ptr<BlobReader> open_range(const std::string& id, uint64_t first, uint64_t length) override;
    LocalFile local_file(const std::string& id) override;
    std::filesystem::path temp_dir() const override { return store_.temp_dir(); }
    bool blocking() const override { return store_.blocking(); }
    void remove(const std::string& id) override;
    size_t remove_image(const std::string& uuid) override;
    bool exists(const std::string& id) override;
    ImagePage list_images(const std::string& after, size_t limit) override {
        return store_.list_images(after, limit);
    }
    std::string identity() override { return store_.identity(); }

    struct Counts {
        uint64_t head = 0, get = 0, put = 0, remove = 0; // requests that reached the store
        uint64_t cache_hits = 0, cache_bytes = 0, cache_files = 0;
    };
    Counts counts() const;

private:
    struct Entry {
        std::filesystem::path path;
        uint64_t size = 0;
        std::shared_ptr<int> pin; // held by every LocalFile handed out; use_count 1 = unused
        std::list<std::string>::iterator lru;
    };
    static bool immutable_source(const std::string& id); // an original or a mipmap
    void evict_locked();
    void forget(const std::string& id); // its metadata and, unless being read, its file
    void forget_original(const std::string& uuid); // and its mipmap, the other copy made of it

    Storage& store_;
    std::filesystem::path dir_;
    uint64_t max_bytes_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, ObjectInfo> heads_;
    std::unordered_map<std::string, Entry> files_;
    std::list<std::string> lru_; // most recent first
    uint64_t bytes_ = 0;
    std::atomic<uint64_t> head_{0}, get_{0}, put_{0}, remove_{0}, hits_{0};
};

} // namespace imgpipe::cluster
