#include "core/errors.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/storage/local_storage.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>

namespace imgpipe {
namespace {

namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
protected:
    void TearDown() override { fs::remove_all(root_); }
    ObjectInfo info(const std::string& id, const std::string& bytes) {
        return ObjectInfo{id, "image/png", bytes.size(), "\"" + md5_hex(bytes) + "\"", "a.png", 3, 2};
    }
    std::string read_all(BlobReader& r) {
        std::string out(r.size(), '\0');
        size_t got = 0, n;
        while ((n = r.read(out.data() + got, out.size() - got)) > 0) got += n;
        out.resize(got);
        return out;
    }
    fs::path root_ = fs::temp_directory_path() / ("imgpipe-storage-" + std::to_string(::getpid()));
};

TEST_F(LocalStorageTest, PutHeadOpenRoundTrip) {
    LocalStorage s(root_);
    const std::string id = new_image_id();
    EXPECT_FALSE(s.head(id));
    EXPECT_EQ(s.open(id), nullptr);
    s.put_bytes(info(id, "original bytes"), "original bytes");
    const std::string derived = id + "/rotate:10|convert:png|scale:200x100";
    s.put_bytes(info(derived, "derived"), "derived");
    ASSERT_TRUE(s.head(id));
    EXPECT_EQ(s.head(id)->etag, "\"" + md5_hex("original bytes") + "\"");
    EXPECT_EQ(s.head(derived)->id, derived);
    auto r = s.open(derived);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(read_all(*r), "derived");
    EXPECT_GE(r->native_fd(), 0);
}

TEST_F(LocalStorageTest, StartRemovesWhatACrashLeftHalfDone) {
    const std::string whole = new_image_id(), no_original = new_image_id();
    const std::string derived = whole + "/rotate:10.5|convert:png";
    {
        LocalStorage s(root_);
        s.put_bytes(info(whole, "original"), "original");
        s.put_bytes(info(derived, "derived"), "derived");
        s.put_bytes(info(no_original + "/mipmap", "pixels"), "pixels"); // killed before the original
        // Killed between the blob's rename and the metadata's: a blob without metadata.
        std::ofstream(s.blob_path(whole + "/scale:10x10")) << "half";
        std::ofstream(s.temp_dir() / "upload-abc123") << "spooling";
    }
    LocalStorage s(root_);
    EXPECT_EQ(s.swept().temp_files, 1u);
    EXPECT_EQ(s.swept().incomplete_objects, 2u);
    EXPECT_FALSE(fs::exists(root_ / "objects" / no_original));
    EXPECT_FALSE(fs::exists(s.blob_path(whole + "/scale:10x10")));
    EXPECT_TRUE(fs::is_empty(s.temp_dir()));
    ASSERT_TRUE(s.head(whole));
    ASSERT_TRUE(s.head(derived));
    auto r = s.open(derived);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(read_all(*r), "derived");
    LocalStorage again(root_);
    EXPECT_EQ(again.swept().incomplete_objects, 0u) << "a clean store loses nothing";
}

TEST_F(LocalStorageTest, PutFileMovesASpooledFile) {
    LocalStorage s(root_);
    TempFile t(s.temp_dir());
    t.write("spooled");
    t.sync_and_close();
    const std::string id = new_image_id();
    s.put_file(info(id, "spooled"), t.release());
    EXPECT_EQ(read_all(*s.open(id)), "spooled");
    EXPECT_TRUE(fs::is_empty(s.temp_dir()));
}

TEST_F(LocalStorageTest, SurvivesARestartAndCleansTempFiles) {
    const std::string id = new_image_id();
    {
        LocalStorage s(root_);
        s.put_bytes(info(id, "kept"), "kept");
        std::ofstream(s.temp_dir() / "upload-left-by-a-crash") << "partial";
    }
    LocalStorage again(root_);
    EXPECT_EQ(read_all(*again.open(id)), "kept");
    EXPECT_TRUE(fs::is_empty(again.temp_dir()));
}

TEST_F(LocalStorageTest, ABlobWithoutMetadataIsNotVisible) {
    // A crash between the two renames leaves a blob without metadata: it must not be served.
    LocalStorage s(root_);
    const std::string id = new_image_id();
    const auto blob = s.blob_path(id);
    fs::create_directories(blob.parent_path());
    std::ofstream(blob) << "half";
    EXPECT_FALSE(s.head(id));
    EXPECT_EQ(s.open(id), nullptr);
}

// Variants are not fsynced (they can be computed again): what a power cut may leave of one, a
// short blob or cut metadata, is found when its metadata is first read and removed, so that the
// next request computes it again. Originals and mipmaps are never judged so.
TEST_F(LocalStorageTest, ServedBytesAreKeptInMemoryUntilTheirObjectIsRemoved) {
    LocalStorage s(root_, std::chrono::seconds(0), 0, 1024 * 1024);
    const std::string id = new_image_id();
    const std::string variant = id + "/scale:400x300|convert:webp";
    s.put_bytes(info(id, "original bytes"), "original bytes");
    s.put_bytes(info(variant, "variant bytes"), "variant bytes");
    EXPECT_EQ(s.memory_bytes(), 0u); // kept when read a second time, not when stored
    EXPECT_EQ(read_all(*s.open(variant)), "variant bytes");
    EXPECT_EQ(s.memory_bytes(), 0u);
    EXPECT_EQ(read_all(*s.open(variant)), "variant bytes");
    EXPECT_EQ(s.memory_bytes(), 13u);
    // The file changed under it (nothing does this but the test): the bytes come from memory.
    std::ofstream(s.blob_path(variant), std::ios::binary | std::ios::trunc) << "VARIANT BYTES";
    auto r = s.open(variant);
    EXPECT_EQ(r->native_fd(), -1);
    EXPECT_EQ(read_all(*r), "variant bytes");
    auto part = s.open_range(variant, 8, 5);
    EXPECT_EQ(part->size(), 5u);
    EXPECT_EQ(read_all(*part), "bytes");
    // Removed: neither served nor kept; stored again: the new bytes.
    s.remove(variant);
    EXPECT_EQ(s.open(variant), nullptr);
    EXPECT_EQ(s.memory_bytes(), 0u);
    s.put_bytes(info(variant, "other bytes!!"), "other bytes!!");
    EXPECT_EQ(read_all(*s.open(variant)), "other bytes!!"); // asked for before: kept at once
    EXPECT_EQ(read_all(*s.open(id)), "original bytes");
    EXPECT_EQ(read_all(*s.open(id)), "original bytes");
    EXPECT_EQ(s.memory_bytes(), 27u);
    // A whole image removed takes its original and variants out of memory.
    EXPECT_EQ(s.remove_image(id), 2u);
    EXPECT_EQ(s.memory_bytes(), 0u);
    EXPECT_EQ(s.open(id), nullptr);
    EXPECT_EQ(s.open(variant), nullptr);
}

TEST_F(LocalStorageTest, LargeObjectsAreReadFromTheirFile) {
    LocalStorage s(root_, std::chrono::seconds(0), 0, 64 * 1024 * 1024);
    const std::string id = new_image_id();
    const std::string big(LocalStorage::kMaxHotObject + 1, 'x');
    s.put_bytes(info(id, big), big);
    for (int i = 0; i < 2; ++i) {
        auto r = s.open(id);
        EXPECT_GE(r->native_fd(), 0);
        EXPECT_EQ(read_all(*r), big);
    }
    EXPECT_EQ(s.memory_bytes(), 0u);
}

TEST_F(LocalStorageTest, AVariantCutByAPowerCutIsRemovedNotServed) {
    const std::string id = new_image_id();
    const std::string short_blob = id + "/rotate:10", cut_meta = id + "/rotate:20", intact = id + "/rotate:30";
    fs::path blob_of_short, meta_of_cut;
    {
        LocalStorage s(root_);
        s.put_bytes(info(id, "original"), "original");
        for (const auto& v : {short_blob, cut_meta, intact}) s.put_bytes(info(v, "variant bytes"), "variant bytes");
        blob_of_short = s.blob_path(short_blob);
        meta_of_cut = s.blob_path(cut_meta).string() + ".json";
    }
    fs::resize_file(blob_of_short, 4);
    fs::resize_file(meta_of_cut, 10);
    LocalStorage s(root_); // a restart: nothing cached
    EXPECT_FALSE(s.head(short_blob));
    EXPECT_EQ(s.open(short_blob), nullptr);
    EXPECT_FALSE(fs::exists(blob_of_short));
    EXPECT_FALSE(s.head(cut_meta));
    EXPECT_FALSE(fs::exists(meta_of_cut));
    ASSERT_TRUE(s.head(intact));
    EXPECT_EQ(read_all(*s.open(intact)), "variant bytes");
    ASSERT_TRUE(s.head(id));
    // Computed again, it is stored and served as before.
    s.put_bytes(info(short_blob, "variant bytes"), "variant bytes");
    EXPECT_EQ(read_all(*s.open(short_blob)), "variant bytes");
}

TEST_F(LocalStorageTest, IdsCannotEscapeTheRoot) {
    LocalStorage s(root_);
    const std::string id = new_image_id();
    for (const std::string& bad : std::vector<std::string>{"../etc/passwd", "..", "", "/etc/passwd", "ABCDEF", id + "x",
                                   std::string("1234\0", 5), id.substr(0, 35) + "/"}) {
        EXPECT_THROW(s.blob_path(bad), Error) << bad;
    }
    for (const std::string& chain : std::vector<std::string>{"..", ".", "../../x", "a/../../b", "%2e%2e", std::string(5000, 'a')}) {
        const fs::path p = s.blob_path(id + "/" + chain);
        EXPECT_EQ(p.parent_path(), root_ / "objects" / id) << chain;
        EXPECT_NE(p.filename(), "..");
        EXPECT_NE(p.filename(), ".");
        EXPECT_LE(p.filename().string().size(), 255u);
    }
}

TEST_F(LocalStorageTest, TempFileRemovesItselfUnlessReleased) {
    LocalStorage s(root_);
    fs::path kept;
    {
        TempFile a(s.temp_dir());
        a.write("x");
        TempFile b(s.temp_dir());
        kept = b.release();
    }
    EXPECT_TRUE(fs::exists(kept));
    fs::remove(kept);
    EXPECT_TRUE(fs::is_empty(s.temp_dir()));
}

// The bytes a variant takes under the cap: its blob and its metadata file.
uint64_t footprint(LocalStorage& s, const std::string& id) {
    const fs::path blob = s.blob_path(id);
    return fs::file_size(blob) + fs::file_size(blob.string() + ".json");
}

TEST_F(LocalStorageTest, TheVariantCapRemovesTheLeastRecentlyUsedAndNeverOriginalsOrMipmaps) {
    const std::string id = new_image_id();
    const std::string big(5000, 'o'), bytes(1000, 'v');
    const std::string a = id + "/scale:10x", b = id + "/scale:11x", c = id + "/scale:12x", d = id + "/scale:13x";
    uint64_t one = 0;
    {
        LocalStorage probe(root_);
        probe.put_bytes(info(a, bytes), bytes);
        one = footprint(probe, a);
        probe.remove(a);
    }
    LocalStorage s(root_, std::chrono::seconds(0), 3 * one); // room for three variants
    s.put_bytes(info(id + "/mipmap", big), big);              // both over the cap alone: never counted
    s.put_bytes(info(id, big), big);
    for (const auto& v : {a, b, c}) s.put_bytes(info(v, bytes), bytes);
    EXPECT_EQ(s.variant_bytes(), 3 * one);
    EXPECT_EQ(s.variants_evicted(), 0u);
    ASSERT_TRUE(s.head(a)); // a is used: b is now the least recently used
    s.put_bytes(info(d, bytes), bytes);
    EXPECT_FALSE(s.head(b));
    EXPECT_FALSE(fs::exists(s.blob_path(b)));
    for (const auto& kept : {id, id + "/mipmap", a, c, d}) EXPECT_TRUE(s.head(kept)) << kept;
    EXPECT_EQ(s.variant_bytes(), 3 * one);
    EXPECT_EQ(s.variants_evicted(), 1u);
    // Deleting takes its variants out of the count.
    s.remove(c);
    EXPECT_EQ(s.variant_bytes(), 2 * one);
    EXPECT_EQ(s.remove_image(id), 4u);
    EXPECT_EQ(s.variant_bytes(), 0u);
}

TEST_F(LocalStorageTest, TheVariantCapRebuildsItsOrderFromTheFilesAtStart) {
    const std::string id = new_image_id();
    const std::string bytes(1000, 'v');
    std::vector<std::string> variants;
    uint64_t one = 0;
    {
        LocalStorage s(root_);
        s.put_bytes(info(id, bytes), bytes);
        for (int i = 0; i < 4; ++i) {
            variants.push_back(id + "/scale:" + std::to_string(10 + i) + "x");
            s.put_bytes(info(variants.back(), bytes), bytes);
        }
        one = footprint(s, variants[0]);
        // Last used (access and modification times, as a restart finds them): 2, 0, 3, 1 from
        // oldest to newest.
        const std::time_t base = std::time(nullptr) - 10000;
        int step = 0;
        for (int i : {2, 0, 3, 1}) {
            const timespec t{base + 100 * step++, 0};
            const timespec times[2] = {t, t};
            ASSERT_EQ(::utimensat(AT_FDCWD, s.blob_path(variants[i]).c_str(), times, 0), 0);
        }
    }
    LocalStorage s(root_, std::chrono::seconds(0), 2 * one);
    EXPECT_EQ(s.variants_evicted(), 2u);
    EXPECT_EQ(s.variant_bytes(), 2 * one);
    EXPECT_FALSE(s.head(variants[2]));
    EXPECT_FALSE(s.head(variants[0]));
    EXPECT_TRUE(s.head(variants[3]));
    EXPECT_TRUE(s.head(variants[1]));
    EXPECT_TRUE(s.head(id));
}

} // namespace
} // namespace imgpipe
