// One contract for every Storage backend: local disk, and S3 against every S3 server of the run
// (s3rver; moto_server's when it is installed, else those are reported as skipped with the reason).
#include "core/errors.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/storage/local_storage.h"
#include "core/storage/s3_storage.h"
#include "support/s3_servers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace imgpipe {
namespace {

namespace fs = std::filesystem;

class StorageContract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("imgpipe-contract-" + std::to_string(::getpid()));
        if (GetParam() == "local") {
            storage_ = std::make_unique<LocalStorage>(root_);
        } else {
            if (const auto why = test::s3_server_absent(GetParam())) GTEST_SKIP() << *why;
            auto s3 = std::make_unique<S3Storage>(test::s3_config(GetParam(), "contract"), root_ / "tmp");
            s3->check_bucket();
            storage_ = std::move(s3);
        }
    }
    void TearDown() override {
        storage_.reset();
        fs::remove_all(root_);
    }
    static ObjectInfo info(const std::string& id, std::string_view bytes, std::string filename = "a.png") {
        return ObjectInfo{id, "image/png", bytes.size(), "\"" + md5_hex(bytes) + "\"", std::move(filename), 30, 20};
    }
    static std::string read_all(BlobReader& r) {
        std::string out;
        char buf[65536];
        size_t n;
        while ((n = r.read(buf, sizeof buf)) > 0) out.append(buf, n);
        return out;
    }
    std::string spool(const std::string& bytes) {
        TempFile t(storage_->temp_dir());
        t.write(bytes);
        t.sync_and_close();
        return t.release().string();
    }

    fs::path root_;
    std::unique_ptr<Storage> storage_;
};

TEST_P(StorageContract, OriginalsAndDerivativesRoundTrip) {
    const std::string id = new_image_id();
    const std::string original = "original \x00\xff bytes";
    storage_->put_file(info(id, original), spool(original));
    const std::string derived_id = id + "/rotate:10|convert:png|scale:200x100";
    storage_->put_bytes(info(derived_id, "derived"), "derived");

    const auto head = storage_->head(id);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->id, id);
    EXPECT_EQ(head->content_type, "image/png");
    EXPECT_EQ(head->content_length, original.size());
    EXPECT_EQ(head->etag, "\"" + md5_hex(original) + "\"");
    EXPECT_EQ(head->width, 30);
    EXPECT_EQ(head->height, 20);
    EXPECT_EQ(head->filename, "a.png");
    ASSERT_TRUE(storage_->head(derived_id));
    EXPECT_EQ(storage_->head(derived_id)->etag, "\"" + md5_hex("derived") + "\"");

    auto reader = storage_->open(derived_id);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(reader->size(), 7u);
    EXPECT_EQ(read_all(*reader), "derived");
    const LocalFile local = storage_->local_file(id);
    std::ifstream in(local.path, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), original);
}

TEST_P(StorageContract, RangesOfAnObjectAreItsBytes) {
    const std::string id = new_image_id();
    std::string bytes;
    for (int i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>(i * 7 % 251));
    storage_->put_file(info(id, bytes), spool(bytes));
    for (const auto& [first, length] : std::vector<std::pair<uint64_t, uint64_t>>{
             {0, 1}, {0, bytes.size()}, {1, bytes.size() - 1}, {123456, 70000}, {bytes.size() - 1, 1}}) {
        auto reader = storage_->open_range(id, first, length);
        ASSERT_NE(reader, nullptr);
        EXPECT_EQ(reader->size(), length);
        EXPECT_TRUE(read_all(*reader) == bytes.substr(first, length)) << first << "+" << length;
    }
}

TEST_P(StorageContract, MissingObjectsAreAbsentNotErrors) {
    const std::string id = new_image_id();
    EXPECT_FALSE(storage_->head(id));
    EXPECT_FALSE(storage_->head(id + "/scale:10x"));
    EXPECT_EQ(storage_->open(id), nullptr);
    EXPECT_EQ(storage_->open_range(id, 0, 1), nullptr);
}

TEST_P(StorageContract, InvalidIdsAreNotFound) {
    for (const std::string& bad : std::vector<std::string>{"../x", "", "nope", "00000000-0000-4000-8000-00000000000/"}) {
        try {
            storage_->head(bad);
            ADD_FAILURE() << "no error for '" << bad << "'";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::not_found);
        }
    }
}

TEST_P(StorageContract, LargeFilesStreamBothWays) {
    std::string big(8 * 1024 * 1024 + 123, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    const std::string id = new_image_id();
    storage_->put_file(info(id, big), spool(big));
    auto reader = storage_->open(id);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(reader->size(), big.size());
    EXPECT_EQ(md5_hex(read_all(*reader)), md5_hex(big));
    EXPECT_EQ(storage_->head(id)->etag, "\"" + md5_hex(big) + "\"");
}

TEST_P(StorageContract, FileNamesSurviveAsGiven) {
    const std::string id = new_image_id();
    const std::string name = "my photo \xc3\xa9t\xc3\xa9 (1) 100%.jpeg";
    storage_->put_bytes(info(id, "x", name), "x");
    EXPECT_EQ(storage_->head(id)->filename, name);
}

TEST_P(StorageContract, ARepeatedPutReplacesTheObject) {
    const std::string id = new_image_id() + "/convert:png";
    storage_->put_bytes(info(id, "first"), "first");
    storage_->put_bytes(info(id, "second!"), "second!");
    EXPECT_EQ(storage_->head(id)->content_length, 7u);
    EXPECT_EQ(read_all(*storage_->open(id)), "second!");
}

TEST_P(StorageContract, ConcurrentWritersDoNotInterfere) {
    std::vector<std::string> ids(8);
    for (auto& id : ids) id = new_image_id();
    std::vector<std::string> failures(ids.size());
    {
        std::vector<std::jthread> threads; // joined on every path; a throw is reported, not fatal
        for (size_t i = 0; i < ids.size(); ++i) {
            threads.emplace_back([&, i] {
                const std::string bytes(1000 + i, static_cast<char>('a' + i));
                try {
                    storage_->put_bytes(info(ids[i], bytes), bytes);
                } catch (const std::exception& e) {
                    failures[i] = e.what();
                }
            });
        }
    }
    for (const auto& f : failures) EXPECT_EQ(f, "");
    for (size_t i = 0; i < ids.size(); ++i) {
        EXPECT_EQ(read_all(*storage_->open(ids[i])), std::string(1000 + i, static_cast<char>('a' + i)));
    }
}

TEST_P(StorageContract, SpoolFilesAreConsumed) {
    const std::string id = new_image_id();
    storage_->put_file(info(id, "spooled"), spool("spooled"));
    EXPECT_TRUE(fs::is_empty(storage_->temp_dir()));
}

TEST_P(StorageContract, RemoveImageTakesTheOriginalItsMipmapAndEveryVariant) {
    const std::string id = new_image_id(), other = new_image_id();
    const std::vector<std::string> objects{id, id + "/mipmap", id + "/rotate:10|convert:png", id + "/scale:20x"};
    for (const auto& o : objects) storage_->put_bytes(info(o, o), o);
    storage_->put_bytes(info(other, "other"), "other");
    storage_->put_bytes(info(other + "/scale:20x", "v"), "v");
    for (const auto& o : objects) ASSERT_TRUE(storage_->head(o)) << o; // cached where a backend caches

    EXPECT_EQ(storage_->remove_image(id), objects.size());
    for (const auto& o : objects) {
        EXPECT_FALSE(storage_->head(o)) << o;
        EXPECT_FALSE(storage_->exists(o)) << o;
        EXPECT_EQ(storage_->open(o), nullptr) << o;
    }
    EXPECT_EQ(storage_->remove_image(id), 0u); // nothing left: "no such image"
    EXPECT_EQ(storage_->remove_image(new_image_id()), 0u);
    EXPECT_TRUE(storage_->exists(other)); // other images keep everything
    EXPECT_EQ(read_all(*storage_->open(other + "/scale:20x")), "v");
    // Whatever is stored under the id afterwards (a late transform's put) is an object like any
    // other, and the original's absence is what its writer checks.
    storage_->put_bytes(info(id + "/scale:20x", "late"), "late");
    EXPECT_FALSE(storage_->exists(id));
    EXPECT_EQ(storage_->remove_image(id), 1u);
}

TEST_P(StorageContract, ImagesAreListedByIdInPages) {
    std::vector<std::string> ids(7);
    for (size_t i = 0; i < ids.size(); ++i) {
        ids[i] = new_image_id();
        storage_->put_bytes(info(ids[i], "bytes", "f" + std::to_string(i) + ".png"), "bytes");
        if (i % 2 == 0) { // variants and mipmaps are not listed
            storage_->put_bytes(info(ids[i] + "/mipmap", "m"), "m");
            storage_->put_bytes(info(ids[i] + "/scale:20x", "v"), "v");
        }
    }
    std::sort(ids.begin(), ids.end());
    const auto now = std::chrono::system_clock::now();
    std::vector<std::string> seen;
    std::string after;
    int pages = 0;
    do {
        const ImagePage page = storage_->list_images(after, 3);
        ASSERT_LE(page.images.size(), 3u);
        for (const auto& image : page.images) {
            seen.push_back(image.info.id);
            EXPECT_EQ(image.info.content_type, "image/png");
            EXPECT_EQ(image.info.content_length, 5u);
            EXPECT_TRUE(image.info.filename.starts_with("f") && image.info.filename.ends_with(".png"))
                << image.info.filename;
            EXPECT_LT(std::chrono::abs(image.created - now), std::chrono::minutes(2)) << image.info.id;
        }
        after = page.next;
        ++pages;
    } while (!after.empty() && pages < 10);
    EXPECT_EQ(seen, ids);
    EXPECT_EQ(pages, 3); // 3 + 3 + 1
    EXPECT_TRUE(storage_->list_images(ids.back(), 3).images.empty());
    // The cursor is exclusive and the limit exact.
    const ImagePage two = storage_->list_images(ids[1], 2);
    ASSERT_EQ(two.images.size(), 2u);
    EXPECT_EQ(two.images[0].info.id, ids[2]);
    EXPECT_EQ(two.next, ids[3]);
    storage_->remove_image(ids[2]); // a removed image is not listed
    EXPECT_EQ(storage_->list_images(ids[1], 1).images.at(0).info.id, ids[3]);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageContract, ::testing::Values("local", "s3rver", "moto_open"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace imgpipe
