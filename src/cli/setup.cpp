#include "cli/setup.h"

#include "core/storage/local_storage.h"
#include "core/storage/metered_storage.h"
#include "core/storage/s3_storage.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace imgpipe::cli {

std::unique_ptr<Storage> open_storage(const Config& config) {
    if (config.storage.uri.empty()) {
        const bool shared = !config.cluster.nats_url.empty();
        auto local = std::make_unique<LocalStorage>(config.storage.data_dir,
                                                    shared ? std::chrono::minutes(15) : std::chrono::minutes(0),
                                                    config.storage.variants_max_bytes,
                                                    config.storage.memory_cache_bytes);
        if (local->swept().temp_files + local->swept().incomplete_objects > 0) {
            spdlog::info("removed {} temp files and {} incomplete objects left by an earlier stop",
                         local->swept().temp_files, local->swept().incomplete_objects);
        }
        return local;
    }
    auto s3 = std::make_unique<S3Storage>(config.storage.s3,
                                          std::filesystem::path(config.storage.data_dir) / "tmp");
    s3->check_bucket();
    return s3;
}

std::unique_ptr<Storage> meter_storage(Storage& store, const Config& config, Metrics& metrics) {
    const bool s3 = !config.storage.uri.empty();
    if (auto* bucket = dynamic_cast<S3Storage*>(&store)) {
        metrics.counter_fn("imgpipe_s3_connections_total",
                           "Connections opened to the S3 endpoint (requests on reused connections add none).",
                           [bucket] { return static_cast<double>(bucket->new_connections()); });
    }
    if (auto* local = dynamic_cast<LocalStorage*>(&store); local && config.storage.variants_max_bytes > 0) {
        metrics.gauge_fn("imgpipe_variant_bytes", "Bytes of the variants stored (image and metadata files), under --variants-max-bytes.",
                         [local] { return static_cast<double>(local->variant_bytes()); });
        metrics.counter_fn("imgpipe_variants_evicted_total",
                           "Variants removed to keep under --variants-max-bytes (least recently used first).",
                           [local] { return static_cast<double>(local->variants_evicted()); });
    }
    if (auto* local = dynamic_cast<LocalStorage*>(&store); local && config.storage.memory_cache_bytes > 0) {
        metrics.gauge_fn("imgpipe_memory_cache_bytes",
                         "Bytes of stored images kept in memory for serving, under --memory-cache-bytes.",
                         [local] { return static_cast<double>(local->memory_bytes()); });
    }
    return std::make_unique<MeteredStorage>(store, s3 ? "s3" : "local", metrics);
}

void check_cluster_store(cluster::NatsClient& nats, const cluster::Names& names, Storage& storage) {
    const std::string mine = storage.identity();
    const std::string cluster = nats.kv_get_or_create(names, "store", mine);
    if (cluster != mine) {
        throw std::runtime_error("this process's store is not the store of cluster '" + names.name() +
                                 "' on " + nats.url() +
                                 ": every API node and worker must use the same --storage (and, for a "
                                 "local directory, the same --data on one machine)");
    }
}

} // namespace imgpipe::cli
