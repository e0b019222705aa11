// SpoolFeeder on a real io_context (a strand, as a session's) and a real thread pool: the bytes
// that reach the file and the digest, in order, whatever the pieces, flushed behind (by the Spool);
// the limit; a feeder dropped with a batch or a flush in flight.
#include "core/errors.h"
#include "core/hash.h"
#include "http/spool_feeder.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include "support/temp_dir.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace imgpipe::http {
namespace {

namespace net = boost::asio;
namespace fs = std::filesystem;

// The helpers of tests/support (temp_dir.h, test_images.h), under this suite's names.
struct Dir : test::TempDir {
    Dir() : TempDir("spool-feeder") {}
};
std::string random_bytes(size_t n) { return test::random_bytes(n, 7); }
using test::read_file;

// Runs `body` as a coroutine on a strand of `ioc` until it ends; rethrows what it threw.
template <class F>
void run_on_strand(net::io_context& ioc, F body) {
    auto done = net::co_spawn(net::make_strand(ioc), std::move(body), net::use_future);
    ioc.run();
    ioc.restart();
    done.get();
}

// After a feeder went: its batch in flight ends on the pool, back on the strand the Spool is let
// go on the pool again, where its file is removed. Runs the strand's side until the directory is
// empty, for at most 5 s.
void settle(net::io_context& ioc, const Dir& dir) {
    for (int i = 0; i < 500 && dir.files() > 0; ++i) {
        ioc.poll();
        ioc.restart();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

TEST(SpoolFeeder, EveryByteInOrderWhateverThePieces) {
    Dir dir;
    net::io_context ioc;
    net::thread_pool threads(2);
    // 11 MB: more than two full queues, so the session waits in pace() and batches follow each other.
    const std::string data = random_bytes(11 * 1024 * 1024 + 17);
    std::unique_ptr<Spool> spool;
    run_on_strand(ioc, [&]() -> net::awaitable<void> {
        SpoolFeeder feeder(std::make_unique<Spool>(dir.path, data.size()),
                           co_await net::this_coro::executor, threads);
        std::mt19937 gen(1);
        size_t at = 0;
        while (at < data.size()) {
            const size_t n = std::min<size_t>(data.size() - at, 1 + gen() % (300 * 1024));
            feeder.append(std::string_view(data).substr(at, n));
            at += n;
            co_await feeder.pace();
        }
        spool = co_await feeder.finish();
    });
    ASSERT_TRUE(spool);
    spool->finish();
    EXPECT_EQ(spool->size(), data.size());
    EXPECT_EQ(spool->md5_hex(), md5_hex(data));
    EXPECT_TRUE(read_file(spool->file().path()) == data) << "the file differs from the bytes fed";
    // 11 MB: at least one fdatasync behind the batches (every 8 MB), ended before finish returned.
    EXPECT_GE(spool->file().data_syncs(), 1) << "nothing was flushed before the fsync";
}

TEST(SpoolFeeder, TheLimitIsCheckedAsBytesArrive) {
    Dir dir;
    net::io_context ioc;
    net::thread_pool threads(1);
    const std::string data = random_bytes(1024 * 1024);
    EXPECT_THROW(
        {
            try {
                run_on_strand(ioc, [&]() -> net::awaitable<void> {
                    SpoolFeeder feeder(std::make_unique<Spool>(dir.path, 1000 * 1000),
                                       co_await net::this_coro::executor, threads);
                    feeder.append(std::string_view(data).substr(0, 600 * 1000)); // under the limit
                    co_await feeder.pace();
                    feeder.append(std::string_view(data).substr(600 * 1000, 600 * 1000)); // over it
                    ADD_FAILURE() << "the append over the limit went through";
                });
            } catch (const Error& e) {
                EXPECT_EQ(e.code(), ErrorCode::payload_too_large);
                throw;
            }
        },
        Error);
    settle(ioc, dir);
    EXPECT_EQ(dir.files(), 0u) << "the spool file of a refused upload was left";
}

TEST(SpoolFeeder, DroppedWithABatchInFlightLeavesNoFile) {
    Dir dir;
    net::io_context ioc;
    net::thread_pool threads(1);
    const std::string data = random_bytes(3 * 1024 * 1024);
    run_on_strand(ioc, [&]() -> net::awaitable<void> {
        SpoolFeeder feeder(std::make_unique<Spool>(dir.path, data.size()), co_await net::this_coro::executor,
                           threads);
        feeder.append(data); // starts a batch; the feeder goes before it ends (a client gone)
        co_return;
    });
    settle(ioc, dir);
    EXPECT_EQ(dir.files(), 0u) << "the spool file of a dropped upload was left";
}

TEST(SpoolFeeder, DroppedWithAFlushInFlightLeavesNoFile) {
    Dir dir;
    net::io_context ioc;
    net::thread_pool threads(2);
    const std::string data = random_bytes(9 * 1024 * 1024);
    run_on_strand(ioc, [&]() -> net::awaitable<void> {
        SpoolFeeder feeder(std::make_unique<Spool>(dir.path, data.size()), co_await net::this_coro::executor,
                           threads);
        for (size_t at = 0; at < data.size(); at += 512 * 1024) {
            feeder.append(std::string_view(data).substr(at, 512 * 1024));
            co_await feeder.pace();
        }
        co_return; // past 8 MB written a flush starts; the feeder goes without waiting for it
    });
    settle(ioc, dir);
    EXPECT_EQ(dir.files(), 0u) << "the spool file of a dropped upload was left";
}

TEST(SpoolFeeder, DiscardRemovesTheFileBeforeItReturns) {
    // What a session does before answering an error: the answer must find no file left.
    Dir dir;
    net::io_context ioc;
    net::thread_pool threads(1);
    const std::string data = random_bytes(3 * 1024 * 1024);
    run_on_strand(ioc, [&]() -> net::awaitable<void> {
        SpoolFeeder feeder(std::make_unique<Spool>(dir.path, data.size()), co_await net::this_coro::executor,
                           threads);
        feeder.append(data); // a batch in flight
        EXPECT_EQ(dir.files(), 1u);
        co_await feeder.discard();
        EXPECT_EQ(dir.files(), 0u) << "the file outlived discard()";
    });
}

} // namespace
} // namespace imgpipe::http
