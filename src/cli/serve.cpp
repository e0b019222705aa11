#include "cli/commands.h"
#include "cli/options.h"
#include "core/access.h"
#include "core/fetch/fetcher.h"
#include "core/images.h"
#include "core/pipeline/vips_setup.h"
#include "core/signing.h"
#include "core/storage/local_storage.h"
#include "core/storage/s3_storage.h"
#include "http/api.h"
#include "http/server.h"
#include "work/local_work.h"
#include "work/worker_pool.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

namespace imgpipe::cli {

namespace {
// Link downloads and a network storage backend wait, they do not compute: their own pool, so that
// a slow remote server never holds an image worker or an I/O thread.
constexpr int kBlockingThreads = 8;
constexpr int kBlockingQueue = 64;
} // namespace

int serve(const Config& config, bool print_config) {
    if (print_config) {
        std::cout << to_json(config).dump(2) << std::endl;
        return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    try {
        std::unique_ptr<Storage> chosen;
        if (config.storage.uri.empty()) {
            auto local = std::make_unique<LocalStorage>(config.storage.data_dir);
            if (local->swept().temp_files + local->swept().incomplete_objects > 0) {
                spdlog::info("removed {} temp files and {} incomplete objects left by an earlier stop",
                             local->swept().temp_files, local->swept().incomplete_objects);
            }
            chosen = std::move(local);
        } else {
            auto s3 = std::make_unique<S3Storage>(
                config.storage.s3, std::filesystem::path(config.storage.data_dir) / "tmp");
            s3->check_bucket(); // a wrong bucket or key ends here, not on the first request
            chosen = std::move(s3);
        }
        Storage& storage = *chosen;
        const UrlSigner signer(config.signing.secret.empty()
                                   ? load_or_create_secret(config.storage.data_dir)
                                   : config.signing.secret);
        const Access access{ApiKeys(config.access.keys),
                            TransformSigner(config.access.transform_key)};
        ImageService images(storage, config);
        const Fetcher fetcher(config.fetch, config.limits.max_upload_bytes);
        WorkerPool workers(config.workers.threads, config.workers.queue);
        workers.on_job_end(end_vips_job);
        LocalWork work(images, workers);
        WorkerPool blocking(kBlockingThreads, kBlockingQueue);
        http::Api api(work, storage, fetcher, signer, access, config, blocking);
        http::Server server(api, config);
        spdlog::info("storing {}; {} workers, queue {}; uploads {}; transforms {}",
                     config.storage.uri.empty() ? "under " + config.storage.data_dir : "in " + config.storage.uri,
                     config.workers.threads, config.workers.queue,
                     access.api_keys.enabled() ? "need an API key" : "open to all",
                     access.transforms.enabled() ? "need a signature" : "open to all");
        server.run();
        // Jobs still running post their results to the server's io_context: let them finish
        // while it exists.
        blocking.join();
        workers.join();
        spdlog::info("stopped");
    } catch (const std::exception& e) {
        spdlog::critical("cannot serve: {}", e.what());
        return 1;
    }
    return 0;
}

} // namespace imgpipe::cli
