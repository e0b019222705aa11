#pragma once

#include "cluster/nats_client.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/storage/storage.h"

#include <memory>

namespace imgpipe::cli {

// The configured store: local disk under --data, or S3 (checked: a wrong bucket or key ends here,
// not on the first request). In cluster mode a local store may be shared by several processes, so
// only what an earlier crash left long ago is swept. Throws std::runtime_error.
std::unique_ptr<Storage> open_storage(const Config& config);

// `store` (from open_storage) with its calls timed in `metrics` (MeteredStorage, labelled
// backend="local" or "s3"); an S3 store's connections opened count in imgpipe_s3_connections_total.
// `store` must outlive the result.
std::unique_ptr<Storage> meter_storage(Storage& store, const Config& config, Metrics& metrics);

// Cluster mode: refuses (std::runtime_error) to join a cluster whose processes use another store.
// The first process records its store's identity in the cluster's KV bucket; every later one
// compares its own.
void check_cluster_store(cluster::NatsClient& nats, const cluster::Names& names, Storage& storage);

} // namespace imgpipe::cli
