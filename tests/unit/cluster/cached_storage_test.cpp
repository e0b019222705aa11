#include "cluster/cached_storage.h"
#include "core/storage/local_storage.h"

#include <gtest/gtest.h>

#include <fstream>

namespace imgpipe::cluster {
namespace {

namespace fs = std::filesystem;

// A store that behaves like a remote one: local_file hands out a downloaded copy.
class RemoteLike final : public Storage {
public:
    explicit RemoteLike(fs::path root) : local_(root) {}
    std::optional<ObjectInfo> head(const std::string& id) override { return local_.head(id); }
    void put_file(const ObjectInfo& i, const fs::path& f) override { local_.put_file(i, f); }
    void put_bytes(const ObjectInfo& i, std::string_view b) override { local_.put_bytes(i, b); }
    std::unique_ptr<BlobReader> open(const std::string& id) override { return local_.open(id); }
    std::unique_ptr<BlobReader> open_range(const std::string& id, uint64_t first, uint64_t length) override {
        return local_.open_range(id, first, length);
    }
    LocalFile local_file(const std::string& id) override {
        auto temp = std::make_shared<TempFile>(local_.temp_dir());
        std::ifstream in(local_.blob_path(id), std::ios::binary);
        temp->write(std::string(std::istreambuf_iterator<char>(in), {}));
        return LocalFile{temp->path(), temp};
    }
    fs::path temp_dir() const override { return local_.temp_dir(); }
    void remove(const std::string& id) override { local_.remove(id); }
    size_t remove_image(const std::string& uuid) override { return local_.remove_image(uuid); }
    bool exists(const std::string& id) override { return local_.exists(id); }
    ImagePage list_images(const std::string& after, size_t limit) override {
        return local_.list_images(after, limit);
    }
    std::string identity() override { return local_.identity(); }

private:
    LocalStorage local_;
};

const std::string kA = "11111111-1111-4111-8111-111111111111";
const std::string kB = "22222222-2222-4222-8222-222222222222";

class Cache : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("imgpipe-cache-test-" + std::to_string(::getpid()));
        fs::remove_all(root_);
        remote_ = std::make_unique<RemoteLike>(root_ / "store");
        remote_->put_bytes(ObjectInfo{kA, "image/png", 600, "\"a\"", "a", 1, 1}, std::string(600, 'a'));
        remote_->put_bytes(ObjectInfo{kB, "image/png", 600, "\"b\"", "b", 1, 1}, std::string(600, 'b'));
    }
    void TearDown() override { fs::remove_all(root_); }
    static std::string read(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    fs::path root_;
    std::unique_ptr<RemoteLike> remote_;
};

TEST_F(Cache, RepeatedReadsOfAnOriginalCostOneRequest) {
    CachedStorage cache(*remote_, root_ / "cache", 1 << 20);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(cache.head(kA));
        EXPECT_EQ(read(cache.local_file(kA).path), std::string(600, 'a'));
    }
    const auto c = cache.counts();
    EXPECT_EQ(c.head, 1u);
    EXPECT_EQ(c.get, 1u);
    EXPECT_EQ(c.cache_hits, 8u);
    EXPECT_EQ(c.cache_bytes, 600u);
}

TEST_F(Cache, TheByteLimitEvictsTheLeastRecentlyUsedButNeverAFileInUse) {
    CachedStorage cache(*remote_, root_ / "cache", 1000); // room for one of the two
    {
        const LocalFile a = cache.local_file(kA);
        const LocalFile b = cache.local_file(kB); // over the limit, but a is being read
        EXPECT_EQ(read(a.path), std::string(600, 'a'));
        EXPECT_EQ(read(b.path), std::string(600, 'b'));
        EXPECT_EQ(cache.counts().cache_bytes, 1200u);
    }
    cache.local_file(kA); // hit; now b is the least recently used and nobody reads it
    cache.local_file(kA);
    const auto c = cache.counts();
    EXPECT_LE(c.cache_bytes, 1000u);
    EXPECT_EQ(c.cache_files, 1u);
    EXPECT_EQ(c.get, 2u);
    EXPECT_EQ(read(cache.local_file(kB).path), std::string(600, 'b')); // fetched again
    EXPECT_EQ(cache.counts().get, 3u);
}

TEST_F(Cache, VariantsAreNeverCached) {
    CachedStorage cache(*remote_, root_ / "cache", 1 << 20);
    const std::string variant = kA + "/rotate:10";
    remote_->put_bytes(ObjectInfo{variant, "image/png", 3, "\"v\"", "v", 1, 1}, "vvv");
    cache.head(variant);
    cache.head(variant);
    EXPECT_EQ(cache.counts().head, 2u);
}

TEST_F(Cache, AnOriginalFoundGoneLeavesTheCache) {
    CachedStorage cache(*remote_, root_ / "cache", 1 << 20);
    ASSERT_TRUE(cache.head(kA));
    const fs::path copy = cache.local_file(kA).path;
    ASSERT_TRUE(fs::exists(copy));
    EXPECT_EQ(remote_->remove_image(kA), 1u); // an API node deleted it, not through this cache
    EXPECT_TRUE(cache.head(kA)); // the cache still answers: ids are never reused
    EXPECT_FALSE(cache.exists(kA)); // asks the store
    EXPECT_FALSE(fs::exists(copy));
    EXPECT_FALSE(cache.head(kA));
    EXPECT_EQ(cache.counts().cache_files, 0u);
}

} // namespace
} // namespace imgpipe::cluster
