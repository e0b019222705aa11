// The series the core components put in the registry move when the components work: a pool job's
// queue wait, a storage call's latency under its backend and op, each pipeline stage of a
// transform, a link fetch, the process gauges.
#include "core/fetch/fetcher.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/images.h"
#include "core/metrics.h"
#include "core/ops/parse.h"
#include "core/process_metrics.h"
#include "core/storage/local_storage.h"
#include "core/storage/metered_storage.h"
#include "support/test_images.h"
#include "work/worker_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace imgpipe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The value of one sample line of the scrape ("name{labels}"), or -1 if it is absent.
double sample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

TEST(ComponentMetrics, PoolObservesQueueWaitAndRefusals) {
    Metrics m;
    WorkerPool pool(1, 1, &m, "image");
    boost::asio::io_context io;
    int done = 0, refused = 0;
    auto job = [&]() -> boost::asio::awaitable<void> {
        try {
            co_await pool.run([] {
                std::this_thread::sleep_for(50ms);
                return 1;
            });
            ++done;
        } catch (const Error& e) {
            if (e.code() == ErrorCode::overloaded) ++refused;
        }
    };
    // One thread and one queue slot: the first runs, the second waits ~50 ms, the third is refused.
    for (int i = 0; i < 3; ++i) boost::asio::co_spawn(io, job(), boost::asio::detached);
    io.run();
    pool.join();
    EXPECT_EQ(done, 2);
    EXPECT_EQ(refused, 1);
    const std::string text = m.prometheus();
    EXPECT_EQ(sample(text, R"(imgpipe_queue_wait_seconds_count{pool="image"})"), 2) << text;
    EXPECT_GE(sample(text, R"(imgpipe_queue_wait_seconds_sum{pool="image"})"), 0.04) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_queue_wait_seconds_bucket{pool="image",le="0.025"})"), 1) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_pool_refused_total{pool="image"})"), 1) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_pool_running{pool="image"})"), 0) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_pool_queued{pool="image"})"), 0) << text;
}

class StorageMetrics : public ::testing::Test {
protected:
    void TearDown() override { fs::remove_all(root_); }
    fs::path root_ = fs::temp_directory_path() / ("imgpipe-metrics-" + std::to_string(::getpid()));
};

TEST_F(StorageMetrics, MeteredStorageObservesEachCallUnderItsLabels) {
    LocalStorage local(root_);
    Metrics m;
    MeteredStorage s(local, "local", m);
    const std::string id = new_image_id();
    const std::string bytes = "some bytes";
    s.put_bytes(ObjectInfo{id, "image/png", bytes.size(), "\"" + md5_hex(bytes) + "\"", "a.png", 1, 1}, bytes);
    ASSERT_TRUE(s.head(id));
    EXPECT_FALSE(s.head(new_image_id()));
    ASSERT_TRUE(s.open(id));
    EXPECT_EQ(s.temp_dir(), local.temp_dir());
    EXPECT_EQ(s.blocking(), local.blocking());
    EXPECT_EQ(s.identity(), local.identity());
    const std::string text = m.prometheus();
    EXPECT_EQ(sample(text, R"(imgpipe_storage_write_seconds_count{backend="local",op="put_bytes"})"), 1) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_storage_write_seconds_count{backend="local",op="put_file"})"), 0) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_storage_read_seconds_count{backend="local",op="head"})"), 2) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_storage_read_seconds_count{backend="local",op="open"})"), 1) << text;
    EXPECT_GT(sample(text, R"(imgpipe_storage_write_seconds_sum{backend="local",op="put_bytes"})"), 0) << text;
}

TEST_F(StorageMetrics, TransformObservesEachStageAndIngestTheCheck) {
    LocalStorage local(root_);
    Metrics m;
    MeteredStorage storage(local, "local", m);
    const Config config;
    const ImageMetrics image_metrics(m);
    ImageService images(storage, config, &image_metrics);
    const std::string file = (root_ / "upload.jpg").string();
    test::write_file(file, test::encode(test::photo_like(400, 300), ".jpg"));
    const ObjectInfo original =
        images.check_upload(file, new_image_id(), fs::file_size(file), "\"x\"", "upload.jpg");
    storage.put_file(original, file);
    const auto t = images.transform(original, parse_chain({"scale:100x", "convert:png"}, 10));
    ASSERT_TRUE(t.created);
    EXPECT_EQ(t.info.width, 100);
    EXPECT_FALSE(images.transform(original, parse_chain({"scale:100x", "convert:png"}, 10)).created);
    const std::string text = m.prometheus();
    // The second call found the stored variant: one computation observed.
    for (const char* stage : {"open", "build", "run", "store", "check"}) {
        EXPECT_EQ(sample(text, std::string("imgpipe_pipeline_seconds_count{stage=\"") + stage + "\"}"), 1)
            << stage << "\n" << text;
    }
    EXPECT_GT(sample(text, R"(imgpipe_pipeline_seconds_sum{stage="run"})"), 0) << text;
    EXPECT_GT(sample(text, R"(imgpipe_pipeline_seconds_sum{stage="check"})"), 0) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_timeouts_total{kind="pipeline"})"), 0) << text;
}

TEST(ComponentMetrics, FetchObservesARefusedLinkAsAnError) {
    Metrics m;
    const Fetcher fetcher(FetchConfig{}, 1 << 20, &m);
    EXPECT_THROW(fetcher.fetch("ftp://example.com/a.png", fs::temp_directory_path()), Error);
    const std::string text = m.prometheus();
    EXPECT_EQ(sample(text, R"(imgpipe_fetch_seconds_count{result="error"})"), 1) << text;
    EXPECT_EQ(sample(text, R"(imgpipe_fetch_seconds_count{result="ok"})"), 0) << text;
    EXPECT_EQ(sample(text, "imgpipe_fetch_bytes_total"), 0) << text;
}

TEST(ComponentMetrics, ProcessGauges) {
    Metrics m;
    register_process_metrics(m);
    // Pixels in memory: libvips has held some at least now.
    const vips::VImage pixels = vips::VImage::black(300, 200).copy_memory();
    const std::string text = m.prometheus();
    EXPECT_GT(sample(text, "process_resident_memory_bytes"), 1e6) << text;
    EXPECT_GT(sample(text, "imgpipe_vips_memory_highwater_bytes"), 0) << text;
    EXPECT_GE(sample(text, "imgpipe_vips_memory_bytes"), 0) << text;
    EXPECT_GE(sample(text, "imgpipe_vips_cache_operations"), 0) << text;
    // Not std::regex: GCC 12 at -O1 (the sanitizer build) warns inside <regex> (maybe-uninitialized).
    const std::string info = "\nimgpipe_build_info{version=\"";
    const auto at = text.find(info);
    ASSERT_NE(at, std::string::npos) << text;
    const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    const std::string libvips = "libvips=\"" + std::to_string(vips_version(0)) + "." + std::to_string(vips_version(1)) +
                                "." + std::to_string(vips_version(2)) + "\"";
    EXPECT_NE(line.find(libvips), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with("} 1")) << line;
    const char first = line[info.size() - 1];
    EXPECT_TRUE(first >= '0' && first <= '9') << "version label: " << line;
}

} // namespace
} // namespace imgpipe
