#include "cli/allocator.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/setup.h"
#include "cluster/nats_work.h"
#include "core/access.h"
#include "core/fetch/fetcher.h"
#include "core/images.h"
#include "core/pipeline/vips_setup.h"
#include "core/memory_release.h"
#include "core/process_metrics.h"
#include "core/signing.h"
#include "http/api.h"
#include "http/server.h"
#include "work/local_work.h"
#include "work/worker_pool.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>

namespace imgpipe::cli {

namespace {
// Link downloads and a network storage backend wait, they do not compute: their own pool, so that
// a slow remote server never holds an image worker or an I/O thread.
constexpr int kBlockingThreads = 8;
constexpr int kBlockingQueue = 64;

// The one line a person reads at start, on stdout: which imgpipe, where its images live, who may
// upload and transform, where links may lead, and where to go. The URL ends the line: tests and
// scripts wait for "listening on" and read the port after the last ':'.
std::string startup_line(const Config& c, const std::string& url) {
    namespace fs = std::filesystem;
    std::string storage =
        c.storage.uri.empty() ? "local " + fs::absolute(c.storage.data_dir).lexically_normal().string()
                              : c.storage.uri;
    if (!c.cluster.nats_url.empty()) {
        storage += " (image work on cluster '" + c.cluster.name + "' at " + c.cluster.nats_url + ")";
    }
    const std::string uploads =
        c.access.keys.empty() ? "open (no API keys)"
                              : "need an API key (" + std::to_string(c.access.keys.size()) + " set)";
    std::string transforms =
        c.access.transform_key.empty() ? "unsigned" : "need ?sig= (see imgpipe sign)";
    if (c.presets.presets_only) transforms += ", presets only";
    std::string links = c.fetch.allow_private_networks ? "may reach private networks"
                                                       : "public addresses only";
    if (!c.fetch.allow_private_networks && !c.fetch.allowed_networks.empty()) {
        links += " and " + c.fetch.allowed_networks;
    }
    return "imgpipe " IMGPIPE_VERSION ": storage " + storage + "; uploads " + uploads +
           "; transforms " + transforms + "; links " + links + "; listening on " + url;
}
} // namespace

int serve(const Config& config, bool print_config) {
    if (print_config) {
        std::cout << to_json(config).dump(2) << std::endl;
        return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    try {
        // First: the components below count into it from their construction on.
        Metrics metrics;
        register_process_metrics(metrics);
        register_allocator_metrics(metrics);
        // Then listening: a taken port ends the start before anything is created on disk.
        http::Listener listener(config.server);
        const std::unique_ptr<Storage> chosen = open_storage(config);
        const std::unique_ptr<Storage> metered = meter_storage(*chosen, config, metrics);
        Storage& storage = *metered;
        const bool clustered = !config.cluster.nats_url.empty();
        const cluster::Names names(config.cluster.name);
        std::unique_ptr<cluster::NatsClient> nats;
        std::string secret = config.signing.secret;
        if (clustered) {
            nats = std::make_unique<cluster::NatsClient>(config.cluster.nats_url, "imgpipe-api");
            nats->ensure_jobs(names, config.cluster.queue, true);
            check_cluster_store(*nats, names, storage);
            // Signed links must verify on every API node: one secret for the cluster, kept in NATS.
            if (secret.empty()) {
                secret = nats->kv_get_or_create(names, "secret", load_or_create_secret(config.storage.data_dir));
            }
        } else if (secret.empty()) {
            secret = load_or_create_secret(config.storage.data_dir);
        }
        const UrlSigner signer(secret);
        const Access access{ApiKeys(config.access.keys),
                            TransformSigner(config.access.transform_key)};
        const ImageMetrics image_metrics(metrics);
        ImageService images(storage, config, &image_metrics);
        const Fetcher fetcher(config.fetch, config.limits.max_upload_bytes, &metrics);
        // In cluster mode the pixel work is the workers': no local pool.
        std::unique_ptr<WorkerPool> workers;
        std::unique_ptr<ImageWork> work;
        if (clustered) {
            work = std::make_unique<cluster::NatsWork>(*nats, storage, config, &metrics);
        } else {
            workers = std::make_unique<WorkerPool>(config.workers.threads, config.workers.queue, &metrics, "image");
            workers->on_job_start(begin_vips_job);
            workers->on_job_end(end_vips_job);
            work = std::make_unique<LocalWork>(images, *workers);
        }
        WorkerPool blocking(kBlockingThreads, kBlockingQueue, &metrics, "blocking");
        blocking.on_job_start(begin_vips_job); // an upload's check decodes it
        blocking.on_job_end(end_vips_job);
        http::Api api(*work, storage, fetcher, signer, access, config, blocking, metrics);
        http::Server server(api, config, metrics, std::move(listener));
        // Idle: no request in flight and no job on either pool. An upload is received, digested,
        // written and flushed outside both pools: counted by its jobs only, a series of 50 MB
        // uploads looked idle and had its buffers released between uploads, each refaulting
        // ~2,000 pages (~20 ms of a 0.13 s upload).
        const MemoryRelease memory_release(
            [&workers, &blocking, &server] {
                return server.requests_in_flight() == 0 && (!workers || workers->in_flight() == 0) &&
                       blocking.in_flight() == 0;
            },
            keeps_too_much, release_free_memory, kLongestWithoutRelease);
        spdlog::info("storing {}; {}; uploads {}; transforms {}",
                     config.storage.uri.empty() ? "under " + config.storage.data_dir : "in " + config.storage.uri,
                     clustered ? "image work on the workers of cluster '" + names.name() + "' at " +
                                     config.cluster.nats_url + ", up to " +
                                     std::to_string(config.cluster.queue) + " jobs"
                               : std::to_string(config.workers.threads) + " workers, queue " +
                                     std::to_string(config.workers.queue),
                     access.api_keys.enabled() ? "need an API key" : "open to all",
                     access.transforms.enabled() ? "need a signature" : "open to all");
        std::cout << startup_line(config, server.url()) << std::endl;
        server.run();
        // Jobs still running post their results to the server's io_context: let them finish
        // while it exists.
        blocking.join();
        work->join();
        spdlog::info("stopped");
    } catch (const std::exception& e) {
        spdlog::critical("cannot serve: {}", e.what());
        if (!config.cluster.nats_url.empty()) nats_Close();
        return 1;
    }
    if (!config.cluster.nats_url.empty()) nats_Close(); // its threads and buffers, for the leak checker
    return 0;
}

} // namespace imgpipe::cli
