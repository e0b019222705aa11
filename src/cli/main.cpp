// The composition root: parses the command line and hands a Config to the chosen subcommand.
#include "cli/commands.h"
#include "cli/import.h"
#include "cli/options.h"
#include "core/log.h"
#include "core/pipeline/vips_setup.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

int main(int argc, char** argv) {
    using namespace imgpipe;
    // JSON log lines are written in batches (core/log.cpp): whatever way main ends, the last go out.
    struct FlushLog {
        ~FlushLog() { spdlog::default_logger_raw()->flush(); }
    } flush_log;
    Config serve_config, transform_config, worker_config;
    CLI::App app{"imgpipe: an image service on one planned libvips pipeline per request"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "imgpipe " IMGPIPE_VERSION, "print the version and exit");
    // A usage error is one line, worded as the refusals of bad settings.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return "imgpipe: " + std::string(e.what()) + " (see --help)\n";
    });

    auto* serve = app.add_subcommand("serve", "run the HTTP service");
    bool print_config = false;
    serve->add_flag("--print-config", print_config, "print the effective configuration and exit");
    cli::bind_server_options(*serve, serve_config);

    auto* worker = app.add_subcommand("worker", "run a worker of a cluster: jobs from NATS, images in the store");
    cli::bind_worker_options(*worker, worker_config);

    auto* transform = app.add_subcommand("transform", "apply an op chain to a file, offline");
    // A refusal is one line of its own; the warnings the server logs (with the decoders' words)
    // show only when asked for with --log-level.
    transform_config.log.level = "error";
    cli::TransformArgs args;
    transform->add_option("input", args.input, "source image")->required();
    transform->add_option("output", args.output, "where to write the result")->required();
    transform->add_option("ops", args.chain, "op chain, e.g. 'rotate:10|convert:png|scale:200x100'")
        ->required();
    transform->add_flag("--literal", args.literal, "run every op at full resolution, in order");
    cli::bind_engine_options(*transform, transform_config);

    auto* sign = app.add_subcommand("sign", "print the signed URLs of a transform (with --transform-key)");
    cli::SignArgs sign_args;
    sign->add_option("target", sign_args.target, "<id>/<op chain>, e.g. '<uuid>/rotate:10|convert:png'")
        ->required();
    sign->add_option("--transform-key", sign_args.key, "the server's transform key")
        ->envname("IMGPIPE_TRANSFORM_KEY");
    sign->add_option("--base", sign_args.base, "prefix of the URLs, e.g. https://img.example.com");

    auto* import_cmd = app.add_subcommand("import", "upload every image under files and folders to a server");
    cli::ImportArgs import_args;
    cli::bind_import_options(*import_cmd, import_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; a usage error exits 2, like a bad setting (import keeps 1
        // for "some files failed"), not with CLI11's own codes (105, 106, ...).
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (sign->parsed()) return cli::sign(sign_args);
    if (import_cmd->parsed()) return cli::import_images(import_args);
    Config& config = serve->parsed() ? serve_config : worker->parsed() ? worker_config : transform_config;
    try {
        cli::finish(config);
        cli::validate(config);
        // Logs go to stderr: stdout carries results (transform) and the "listening on" line (serve).
        setup_logging(config.log);
    } catch (const std::invalid_argument& e) {
        std::cerr << "imgpipe: " << e.what() << "\n";
        return 2;
    }
    start_vips(argv[0], config.workers.vips_concurrency);
    if (worker->parsed()) return cli::worker(config);
    return serve->parsed() ? cli::serve(config, print_config) : cli::transform(config, args);
}
