#include "cli/allocator.h"
#include "cli/commands.h"
#include "cli/setup.h"
#include "cluster/cached_storage.h"
#include "cluster/metrics_listener.h"
#include "cluster/worker.h"
#include "core/memory_release.h"
#include "core/process_metrics.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <pthread.h>

namespace imgpipe::cli {

int worker(const Config& config) {
    if (config.cluster.nats_url.empty()) {
        std::cerr << "imgpipe worker: --nats (or IMGPIPE_NATS) is required, e.g. nats://127.0.0.1:4222\n";
        return 2;
    }
    // SIGINT and SIGTERM are taken by this thread alone (sigwait below): block them before any
    // other thread exists.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    try {
        Metrics registry;
        register_process_metrics(registry);
        register_allocator_metrics(registry);
        const std::unique_ptr<Storage> bucket = open_storage(config);
        // Timed below the cache: the latencies of the store itself, on cache misses.
        const std::unique_ptr<Storage> store = meter_storage(*bucket, config, registry);
        const cluster::Names names(config.cluster.name);
        cluster::NatsClient nats(config.cluster.nats_url, "imgpipe-worker");
        nats.ensure_jobs(names, config.cluster.queue, false);
        check_cluster_store(nats, names, *store);
        const auto cache_dir = config.cluster.cache_dir.empty()
                                   ? std::filesystem::path(config.storage.data_dir) / "cache"
                                   : std::filesystem::path(config.cluster.cache_dir);
        cluster::CachedStorage storage(*store, cache_dir, config.cluster.cache_max_bytes);
        cluster::Worker worker(config, nats, storage, registry);
        // After the signal mask above: its thread inherits it.
        const MemoryRelease memory_release([&worker] { return worker.busy() == 0; }, keeps_too_much,
                                           release_free_memory, kLongestWithoutRelease);
        std::unique_ptr<cluster::MetricsListener> metrics;
        if (config.cluster.metrics_port > 0) {
            metrics = std::make_unique<cluster::MetricsListener>(
                config.server.host, config.cluster.metrics_port, [&worker] { return worker.health_json(); },
                [&worker] { return worker.metrics_text(); });
        }
        spdlog::info("worker of cluster '{}' at {}: {} threads, store {}, cache {} (up to {} bytes){}",
                     names.name(), config.cluster.nats_url, config.cluster.worker_threads,
                     config.storage.uri.empty() ? config.storage.data_dir : config.storage.uri,
                     cache_dir.string(), config.cluster.cache_max_bytes,
                     metrics ? ", metrics on " + config.server.host + ":" + std::to_string(metrics->port()) : "");
        std::cout << "imgpipe worker ready" << std::endl;
        int sig = 0;
        sigwait(&stop_signals, &sig);
        spdlog::info("stopping: finishing the jobs running");
        worker.stop();
        worker.wait();
        spdlog::info("stopped");
    } catch (const std::exception& e) {
        spdlog::critical("cannot run the worker: {}", e.what());
        nats_Close();
        return 1;
    }
    nats_Close(); // the library's threads and buffers: nothing left for the leak checker
    return 0;
}

} // namespace imgpipe::cli
