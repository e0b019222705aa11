#pragma once

#include "core/images.h"
#include "core/ops/op.h"
#include "core/storage/spool.h"
#include "core/storage/storage.h"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace imgpipe {

// Where the pixel work of the two use cases runs: the check of an upload (full decode, mipmap) and
// the computation of a variant. The HTTP API awaits these and knows nothing else about it. Two
// implementations: LocalWork (this process's bounded pool, the default) and NatsWork (a worker
// tier behind NATS). Both throw Error: overloaded when the bounded wait is full, and the use case's
// own errors with the same codes, so that the API answers the same status either way.
class ImageWork {
public:
    virtual ~ImageWork() = default;

    // Checks the spooled upload and stores it as a new original; returns its metadata.
    virtual boost::asio::awaitable<ObjectInfo> ingest(std::unique_ptr<Spool> spool,
                                                      std::string filename) = 0;
    // The stored variant `variant_id` (= <original.id>/<canonical chain>), computed if needed.
    virtual boost::asio::awaitable<ImageService::Transformed> transform(ObjectInfo original, Chain chain,
                                                                        std::string variant_id) = 0;
    // Jobs this process has running or waiting (for /health and /metrics).
    virtual int in_flight() const = 0;
    // Whether the work is computed in this process (false: dispatched to a worker tier).
    virtual bool local() const { return true; }
    // Whether the work can be done now (GET /ready): a worker tier's broker is connected.
    virtual bool reachable() const { return true; }
    // Jobs handed to a worker tier so far.
    virtual uint64_t dispatched() const { return 0; }
    // Waits for the jobs admitted so far (their completions are posted to their callers'
    // executors, which must still exist).
    virtual void join() = 0;
};

} // namespace imgpipe
