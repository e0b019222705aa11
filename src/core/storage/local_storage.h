#pragma once

#include "core/storage/storage.h"
#include "core/storage/hot_blobs.h"
#include "core/storage/variant_lru.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>

namespace imgpipe {

// Objects on local disk under <root>/objects/<uuid>/: the original as "original", each derivative
// under its percent-encoded canonical chain, and metadata beside each as "<name>.json". Writes go
// to <root>/tmp, are fsynced and renamed into place, blob first and metadata last, so an object is
// visible only when complete. Ids are validated (a UUID, then a chain whose encoded name cannot
// contain '/' or be "." or ".."), so no id reaches outside the root.
class LocalStorage final : public Storage {
public:
    // Creates the directories and removes what an earlier crash (kill -9, power loss, full disk)
    // left half done: temp files, blobs whose metadata never landed, and whole images whose
    // original never landed (a mipmap is stored before its original). None of these was ever
    // visible through the API; this gives their space back. It walks the whole store once.
    // `min_age`: only what is at least this old is swept, for a store shared by several processes
    // (cluster mode on one machine), where another process may be writing right now. A non-zero
    // min_age also means that: another process may delete images, so a metadata cache hit is
    // confirmed by a stat of its file.
    // `variants_max_bytes` > 0 (one process only): variants, never originals or mipmaps, are kept
    // under that many bytes (image and metadata files), the least recently used removed first.
    // Serving a variant (head, open) counts as a use, in memory only: nothing is written on a hit.
    // At start the order is rebuilt from the files' access and modification times.
    // `memory_max_bytes` > 0: the bytes of objects up to kMaxHotObject that are opened (served, or
    // a mipmap read for a transform) are kept in memory (HotBlobs), up to that many bytes in all.
    explicit LocalStorage(std::filesystem::path root,
                          std::chrono::seconds min_age = std::chrono::seconds(0),
                          uint64_t variants_max_bytes = 0, uint64_t memory_max_bytes = 0);
    static constexpr uint64_t kMaxHotObject = 4 * 1024 * 1024; // a mipmap: 1024 x 1024 x 4 bands

    struct Swept {
        size_t temp_files = 0;
        size_t incomplete_objects = 0;
    };
    const Swept& swept() const { return swept_; }

    std::optional<ObjectInfo> head(const std::string& id) override;
    void put_file(const ObjectInfo& info, const std::filesystem::path& file) override;
    void put_bytes(const ObjectInfo& info, std::string_view bytes) override;
    std::unique_ptr<BlobReader> open(const std::string& id) override;
    std::unique_ptr<BlobReader> open_range(const std::string& id, uint64_t first, uint64_t length) override;
    LocalFile local_file(const std::string& id) override;
    std::filesystem::path temp_dir() const override { return root_ / "tmp"; }
    void remove(const std::string& id) override;
    // The image's directory is renamed into tmp/ (every object of it disappears at once) and
    // removed there; a crash before that ends leaves it to the start-up sweep.
    size_t remove_image(const std::string& uuid) override;
    bool exists(const std::string& id) override;
    // Walks objects/ (every image's directory name) for each page: O(images) per page.
    ImagePage list_images(const std::string& after, size_t limit) override;
    std::string identity() override;

    // The blob path of an id (no check that it exists); throws Error(not_found) for a bad id.
    std::filesystem::path blob_path(const std::string& id) const;

    // Under a variant cap (0 without one): the variants' bytes now, and how many it removed.
    uint64_t variant_bytes() const { return lru_ ? lru_->bytes() : 0; }
    uint64_t variants_evicted() const { return evicted_.load(); }
    // Bytes of objects kept in memory (0 without memory_max_bytes).
    uint64_t memory_bytes() const { return hot_ ? hot_->bytes() : 0; }

private:
    void commit(const ObjectInfo& info, const std::filesystem::path& blob_tmp, bool durable);
    // The blob from byte `first`: `length` bytes, or to its end when none is given.
    std::unique_ptr<BlobReader> open_at(const std::string& id, uint64_t first, std::optional<uint64_t> length);
    // Caches `info` unless an image was removed since `epoch` (read before its file was).
    void remember(const ObjectInfo& info, uint64_t epoch);
    uint64_t cache_epoch();
    // The whole blob read into memory and kept in hot_ (unless a removal ran meanwhile); null if
    // the file is gone or not `info`'s length.
    HotBlobs::Bytes read_hot(const std::string& id, const ObjectInfo& info);
    // The variants on disk, into lru_ by last use (at start).
    void index_variants();
    // Under the cap: counts a use, or removes the least recently used variants over it.
    void used(const std::string& id);
    void evict();

    std::filesystem::path root_;
    Swept swept_;
    bool shared_; // other processes write and delete in this store too
    // Metadata of objects seen, so that serving a stored variant reads no JSON file. Objects never
    // change once written (a repeated put writes the same id through here); remove and
    // remove_image drop theirs, and `epoch_` (bumped by each) keeps a head() that read a file
    // just before a removal from caching what is gone.
    static constexpr size_t kMaxCachedInfos = 10'000; // ~3 MB
    std::mutex cache_mutex_;
    std::unordered_map<std::string, ObjectInfo> cache_;
    uint64_t epoch_ = 0;
    std::unique_ptr<VariantLru> lru_; // with a variant cap only
    std::unique_ptr<HotBlobs> hot_;   // with memory_max_bytes only; emptied as cache_ is
    std::atomic<uint64_t> evicted_{0};
};

} // namespace imgpipe
