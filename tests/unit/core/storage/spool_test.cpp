// Spool on a real directory: every byte and its digest, the limit, and the flushes behind the
// writer (an fdatasync every Spool::kFlushEvery bytes) that a link download and an upload share.
#include "core/errors.h"
#include "core/hash.h"
#include "core/storage/spool.h"

#include "support/temp_dir.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace imgpipe {
namespace {

namespace fs = std::filesystem;

// The helpers of tests/support (temp_dir.h, test_images.h), under this suite's names.
struct Dir : test::TempDir {
    Dir() : TempDir("spool") {}
};
std::string random_bytes(size_t n) { return test::random_bytes(n, 11); }
using test::read_file;

// As curl hands a download over: pieces of at most 16 KB (CURL_MAX_WRITE_SIZE), from one thread.
void append_in_pieces(Spool& spool, std::string_view data) {
    for (size_t at = 0; at < data.size(); at += 16 * 1024) spool.append(data.substr(at, 16 * 1024));
}

TEST(Spool, FlushesBehindTheWriterAndKeepsEveryByte) {
    Dir dir;
    const std::string data = random_bytes(3 * Spool::kFlushEvery + 4321);
    Spool spool(dir.path, data.size());
    append_in_pieces(spool, data);
    spool.finish();
    EXPECT_EQ(spool.size(), data.size());
    EXPECT_EQ(spool.md5_hex(), md5_hex(data));
    EXPECT_TRUE(read_file(spool.file().path()) == data) << "the file differs from the bytes appended";
    // Three times kFlushEvery: a flush started past the first 8 MB, and more as long as the one
    // before had ended; finish() waited for the last.
    EXPECT_GE(spool.file().data_syncs(), 1) << "nothing was flushed before the fsync";
    EXPECT_LE(spool.file().data_syncs(), 3);
}

TEST(Spool, UnderOneFlushNothingIsFlushedBeforeTheEnd) {
    Dir dir;
    const std::string data = random_bytes(Spool::kFlushEvery - 1);
    Spool spool(dir.path, data.size());
    append_in_pieces(spool, data);
    spool.finish();
    EXPECT_EQ(spool.file().data_syncs(), 0);
    EXPECT_EQ(spool.md5_hex(), md5_hex(data));
}

TEST(Spool, DroppedWithAFlushInFlightLeavesNoFile) {
    Dir dir;
    const std::string data = random_bytes(Spool::kFlushEvery + 1);
    {
        Spool spool(dir.path, data.size());
        spool.append(data); // past kFlushEvery: a flush starts, and the Spool goes at once
        EXPECT_EQ(dir.files(), 1u);
    }
    EXPECT_EQ(dir.files(), 0u) << "the file of a dropped download was left";
}

TEST(Spool, TheLimitIsCheckedOnEveryAppend) {
    Dir dir;
    const std::string data = random_bytes(Spool::kFlushEvery + 100);
    auto spool = std::make_unique<Spool>(dir.path, Spool::kFlushEvery);
    try {
        append_in_pieces(*spool, data);
        ADD_FAILURE() << "the append over the limit went through";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::payload_too_large);
    }
    spool.reset();
    EXPECT_EQ(dir.files(), 0u) << "the file of a refused download was left";
}

} // namespace
} // namespace imgpipe
