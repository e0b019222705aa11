#pragma once

#include "work/image_work.h"
#include "work/worker_pool.h"

namespace imgpipe {

// The single-process default: the use cases run on this process's bounded pool.
class LocalWork final : public ImageWork {
public:
    LocalWork(ImageService& images, WorkerPool& pool) : images_(images), pool_(pool) {}

    boost::asio::awaitable<ObjectInfo> ingest(std::unique_ptr<Spool> spool,
                                              std::string filename) override {
        // The Spool ends on the pool's thread: removing a refused upload's file (15 ms for 50 MB
        // here) would otherwise stall every connection of the I/O thread that awaits this.
        co_return co_await pool_.run([this, &spool, &filename] {
            const std::unique_ptr<Spool> owned = std::move(spool);
            return images_.ingest(*owned, filename);
        });
    }
    boost::asio::awaitable<ImageService::Transformed> transform(ObjectInfo original, Chain chain,
                                                                std::string /*variant_id*/) override {
        co_return co_await pool_.run([this, &original, &chain] { return images_.transform(original, chain); });
    }
    int in_flight() const override { return pool_.in_flight(); }
    void join() override { pool_.join(); }

private:
    ImageService& images_;
    WorkerPool& pool_;
};

} // namespace imgpipe
