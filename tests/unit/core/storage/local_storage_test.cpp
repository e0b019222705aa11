#include "core/errors.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/storage/local_storage.h"

#include <gtest/gtest.h>

#include <fstream>

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

} // namespace
} // namespace imgpipe
