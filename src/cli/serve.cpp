#include "cli/commands.h"
#include "cli/options.h"
#include "core/fetch/fetcher.h"
#include "core/images.h"
#include "core/pipeline/vips_setup.h"
#include "core/signing.h"
#include "core/storage/local_storage.h"
#include "http/api.h"
#include "http/server.h"
#include "http/worker_pool.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

namespace imgpipe::cli {

namespace {
// Link downloads wait on the network, not the CPU: their own pool, so that a slow remote server
// never holds an image worker.
constexpr int kFetchThreads = 4;
constexpr int kFetchQueue = 16;
} // namespace

int serve(const Config& config, bool print_config) {
    if (print_config) {
        std::cout << to_json(config).dump(2) << std::endl;
        return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    try {
        LocalStorage storage(config.storage.data_dir);
        const UrlSigner signer(config.signing.secret.empty()
                                   ? load_or_create_secret(config.storage.data_dir)
                                   : config.signing.secret);
        ImageService images(storage, config);
        const Fetcher fetcher(config.fetch, config.limits.max_upload_bytes);
        http::WorkerPool workers(config.workers.threads, config.workers.queue);
        workers.on_job_end(end_vips_job);
        http::WorkerPool fetchers(kFetchThreads, kFetchQueue);
        http::Api api(images, storage, fetcher, signer, config, workers, fetchers);
        http::Server server(api, config);
        spdlog::info("storing under {}; {} workers, queue {}", config.storage.data_dir,
                     config.workers.threads, config.workers.queue);
        server.run();
        // Jobs still running post their results to the server's io_context: let them finish
        // while it exists.
        fetchers.join();
        workers.join();
        spdlog::info("stopped");
    } catch (const std::exception& e) {
        spdlog::critical("cannot serve: {}", e.what());
        return 1;
    }
    return 0;
}

} // namespace imgpipe::cli
