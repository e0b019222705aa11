#include "cli/options.h"

#include "core/access.h"
#include "core/fetch/address_policy.h"
#include "core/presets.h"
#include "http/cors.h"
#include "http/links.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>

namespace imgpipe::cli {

namespace {
// One way to declare every setting: a flag and an environment variable. A boolean also works bare
// (`--allow-private-networks` means true) and still takes a value (`--public-bytes false`,
// `--public-bytes=false`), so scripts written for either form keep working.
template <class T>
void option(CLI::App& app, const std::string& flag, T& field, const std::string& env,
            const std::string& help) {
    auto* o = app.add_option(flag, field, help)->envname(env);
    if constexpr (std::is_same_v<T, bool>) {
        // A bare flag takes default_str as its value; the help shows the real default (and the
        // variable, which a custom option text would otherwise leave out).
        o->expected(0, 1)->default_str("true")->option_text(std::string("[true|false] (default ") +
                                                             (field ? "true" : "false") + ") (Env:" +
                                                             env + ")");
    } else {
        o->capture_default_str();
    }
}
} // namespace

void bind_engine_options(CLI::App& app, Config& c) {
    auto opt = [&app](const std::string& flag, auto& field, const std::string& env,
                      const std::string& help) { option(app, flag, field, env, help); };
    auto& l = c.limits;
    opt("--max-upload-bytes", l.max_upload_bytes, "IMGPIPE_MAX_UPLOAD_BYTES", "largest accepted upload or download");
    opt("--max-source-pixels", l.max_source_pixels, "IMGPIPE_MAX_SOURCE_PIXELS", "largest source image, in pixels (checked before decoding)");
    opt("--max-output-width", l.max_output_width, "IMGPIPE_MAX_OUTPUT_WIDTH", "widest result");
    opt("--max-output-height", l.max_output_height, "IMGPIPE_MAX_OUTPUT_HEIGHT", "tallest result");
    opt("--max-ops", l.max_ops, "IMGPIPE_MAX_OPS", "most ops in one chain");
    opt("--max-frames", l.max_frames, "IMGPIPE_MAX_FRAMES", "most frames of an animated GIF/WebP");
    opt("--max-animation-pixels", l.max_animation_pixels, "IMGPIPE_MAX_ANIMATION_PIXELS", "most pixels over all frames of an animation (source, each step, result)");
    opt("--processing-timeout-ms", l.processing_timeout_ms, "IMGPIPE_PROCESSING_TIMEOUT_MS", "time limit of one transform");
    auto& o = c.output;
    opt("--jpeg-quality", o.jpeg_quality, "IMGPIPE_JPEG_QUALITY", "JPEG quality 1-100");
    opt("--webp-quality", o.webp_quality, "IMGPIPE_WEBP_QUALITY", "WebP quality 1-100");
    opt("--avif-quality", o.avif_quality, "IMGPIPE_AVIF_QUALITY", "AVIF quality 1-100");
    opt("--avif-effort", o.avif_effort, "IMGPIPE_AVIF_EFFORT", "AVIF encoder effort 0-9");
    opt("--png-compression", o.png_compression, "IMGPIPE_PNG_COMPRESSION", "PNG zlib level 0-9");
    opt("--log-format", c.log.format, "IMGPIPE_LOG_FORMAT", "json, text, or auto: JSON lines unless stderr is a terminal");
    opt("--log-level", c.log.level, "IMGPIPE_LOG_LEVEL", "trace, debug, info, warn, error, critical or off");
}

void bind_storage_options(CLI::App& app, Config& c) {
    auto opt = [&app](const std::string& flag, auto& field, const std::string& env,
                      const std::string& help) { option(app, flag, field, env, help); };
    opt("--data", c.storage.data_dir, "IMGPIPE_DATA_DIR", "directory for stored images (local storage) and spool files");
    auto& st = c.storage;
    opt("--storage", st.uri, "IMGPIPE_STORAGE", "where images live: empty for local disk, or s3://bucket[/prefix]");
    opt("--s3-endpoint", st.s3.endpoint, "IMGPIPE_S3_ENDPOINT", "S3-compatible endpoint URL (default: AWS)");
    opt("--s3-region", st.s3.region, "AWS_REGION", "region (falls back to AWS_DEFAULT_REGION, then us-east-1)");
    opt("--s3-addressing", st.s3_addressing, "IMGPIPE_S3_ADDRESSING", "path or virtual (default: path with an endpoint, else virtual)");
    opt("--aws-access-key-id", st.s3.access_key, "AWS_ACCESS_KEY_ID", "S3 access key");
    opt("--aws-secret-access-key", st.s3.secret_key, "AWS_SECRET_ACCESS_KEY", "S3 secret key");
    opt("--aws-session-token", st.s3.session_token, "AWS_SESSION_TOKEN", "S3 session token");
    opt("--s3-connect-timeout-ms", st.s3.connect_timeout_ms, "IMGPIPE_S3_CONNECT_TIMEOUT_MS", "S3 connect timeout");
    opt("--s3-timeout-ms", st.s3.request_timeout_ms, "IMGPIPE_S3_TIMEOUT_MS", "S3 timeout of one request attempt");
    opt("--s3-attempts", st.s3.attempts, "IMGPIPE_S3_ATTEMPTS", "attempts for idempotent S3 requests that time out or get a 5xx");
}

void bind_cluster_options(CLI::App& app, Config& c) {
    auto opt = [&app](const std::string& flag, auto& field, const std::string& env,
                      const std::string& help) { option(app, flag, field, env, help); };
    auto& k = c.cluster;
    opt("--nats", k.nats_url, "IMGPIPE_NATS", "cluster mode: NATS URL, e.g. nats://127.0.0.1:4222 (empty: one process does all)");
    opt("--cluster", k.name, "IMGPIPE_CLUSTER", "cluster name: the JetStream stream, subjects and KV bucket");
    opt("--cluster-queue", k.queue, "IMGPIPE_CLUSTER_QUEUE", "jobs the cluster holds, running or waiting; more are answered 503");
}

void bind_worker_options(CLI::App& app, Config& c) {
    auto opt = [&app](const std::string& flag, auto& field, const std::string& env,
                      const std::string& help) { option(app, flag, field, env, help); };
    auto& k = c.cluster;
    opt("--threads", k.worker_threads, "IMGPIPE_WORKER_THREADS", "jobs this worker runs at once");
    opt("--cache-dir", k.cache_dir, "IMGPIPE_CACHE_DIR", "local copies of originals and mipmaps (default: <data>/cache)");
    opt("--cache-max-bytes", k.cache_max_bytes, "IMGPIPE_CACHE_MAX_BYTES", "size limit of the local cache");
    opt("--metrics-port", k.metrics_port, "IMGPIPE_METRICS_PORT", "port of this worker's /health and /metrics (0: none)");
    opt("--host", c.server.host, "IMGPIPE_HOST", "address the metrics listener binds to");
    opt("--vips-concurrency", c.workers.vips_concurrency, "IMGPIPE_VIPS_CONCURRENCY", "libvips threads per job");
    bind_storage_options(app, c);
    bind_cluster_options(app, c);
}

void bind_server_options(CLI::App& app, Config& c) {
    auto opt = [&app](const std::string& flag, auto& field, const std::string& env,
                      const std::string& help) { option(app, flag, field, env, help); };
    auto& s = c.server;
    opt("--host", s.host, "IMGPIPE_HOST", "address to listen on");
    opt("--port", s.port, "IMGPIPE_PORT", "port to listen on (0: any free port)");
    opt("--io-threads", s.io_threads, "IMGPIPE_IO_THREADS", "threads for network I/O");
    opt("--variants-max-bytes", c.storage.variants_max_bytes, "IMGPIPE_VARIANTS_MAX_BYTES", "local disk: keep variants under this many bytes, least recently used out first (0: no cap)");
    opt("--memory-cache-bytes", c.storage.memory_cache_bytes, "IMGPIPE_MEMORY_CACHE_BYTES", "local disk: keep the bytes of stored images up to 4 MB that are served (and mipmaps) in memory, up to this many bytes in all (0: off)");
    opt("--public-url", s.public_url, "IMGPIPE_PUBLIC_URL", "base of the links in `url` and Location, e.g. https://img.example.com/base/ (default: from the request's Host)");
    opt("--cors-origins", s.cors_origins, "IMGPIPE_CORS_ORIGINS", "origins whose pages may call the API from a browser: 'https://app.example.com, http://localhost:3000' or '*' (default: none)");
    opt("--trust-proxy", s.trust_proxy, "IMGPIPE_TRUST_PROXY", "links from X-Forwarded-Proto and X-Forwarded-Host (only behind a proxy that sets both)");
    opt("--header-timeout-ms", s.header_timeout_ms, "IMGPIPE_HEADER_TIMEOUT_MS", "request headers must arrive within this");
    opt("--body-idle-timeout-ms", s.body_idle_timeout_ms, "IMGPIPE_BODY_IDLE_TIMEOUT_MS", "a stalled request body is cut after this");
    opt("--body-timeout-ms", s.body_timeout_ms, "IMGPIPE_BODY_TIMEOUT_MS", "a whole request body must arrive within this");
    opt("--write-timeout-ms", s.write_timeout_ms, "IMGPIPE_WRITE_TIMEOUT_MS", "a response must be taken within this");
    opt("--shutdown-grace-ms", s.shutdown_grace_ms, "IMGPIPE_SHUTDOWN_GRACE_MS", "time for requests in flight at SIGTERM");
    auto& w = c.workers;
    opt("--workers", w.threads, "IMGPIPE_WORKERS", "image worker threads");
    opt("--queue", w.queue, "IMGPIPE_QUEUE", "jobs allowed to wait; more are answered 503");
    opt("--vips-concurrency", w.vips_concurrency, "IMGPIPE_VIPS_CONCURRENCY", "libvips threads per job");
    auto& f = c.fetch;
    opt("--allow-private-networks", f.allow_private_networks, "IMGPIPE_ALLOW_PRIVATE_NETWORKS", "let link uploads reach loopback and private addresses");
    opt("--fetch-allow-networks", f.allowed_networks, "IMGPIPE_FETCH_ALLOW_NETWORKS", "non-public networks link uploads may reach, e.g. '10.1.2.0/24, fd00::/8'");
    opt("--fetch-connect-timeout-ms", f.connect_timeout_ms, "IMGPIPE_FETCH_CONNECT_TIMEOUT_MS", "link download connect timeout");
    opt("--fetch-timeout-ms", f.total_timeout_ms, "IMGPIPE_FETCH_TIMEOUT_MS", "link download total timeout");
    opt("--fetch-max-redirects", f.max_redirects, "IMGPIPE_FETCH_MAX_REDIRECTS", "redirects a link may take");
    bind_storage_options(app, c);
    bind_cluster_options(app, c);
    opt("--secret", c.signing.secret, "IMGPIPE_SECRET", "HMAC key of signed links (default: generated in <data>/secret)");
    opt("--url-expiry-s", c.signing.url_expiry_s, "IMGPIPE_URL_EXPIRY_S", "lifetime of signed links");
    opt("--public-bytes", c.signing.public_bytes, "IMGPIPE_PUBLIC_BYTES", "serve /bytes/ without a signature");
    opt("--api-keys", c.access.api_keys, "IMGPIPE_API_KEYS", "comma-separated keys; when set, uploads need Authorization: Bearer <key>");
    opt("--api-keys-file", c.access.api_keys_file, "IMGPIPE_API_KEYS_FILE", "file of API keys, one per line");
    opt("--transform-key", c.access.transform_key, "IMGPIPE_TRANSFORM_KEY", "when set, op chains need ?sig= (see imgpipe sign)");
    opt("--allow-delete", c.access.allow_delete, "IMGPIPE_ALLOW_DELETE", "without API keys, let anyone DELETE images and variants (with keys, a key is needed)");
    auto& p = c.presets;
    // ';' separates presets (in the variable, or in one flag): chains use '|', ':' and ',' only.
    app.add_option("--preset", p.presets, "NAME=CHAIN: GET /image/<id>/NAME/ runs CHAIN (repeatable; ';' separates several)")
        ->envname("IMGPIPE_PRESETS")
        ->delimiter(';');
    opt("--presets-only", p.presets_only, "IMGPIPE_PRESETS_ONLY", "refuse chains other than presets (400)");
    opt("--eager", p.eager, "IMGPIPE_EAGER", "comma-separated presets computed right after each upload");
    bind_engine_options(app, c);
}

void finish(Config& c) {
    auto& st = c.storage;
    if (st.s3.region.empty() || st.s3.region == "us-east-1") {
        // AWS_REGION is bound to the flag; the SDKs' older variable is the fallback.
        if (const char* r = std::getenv("AWS_DEFAULT_REGION"); r && *r && st.s3.region.empty()) {
            st.s3.region = r;
        }
        if (st.s3.region.empty()) st.s3.region = "us-east-1";
    }
    // Throws std::invalid_argument on a short key or an unreadable file, like any bad setting.
    c.access.keys = read_api_keys(c.access.api_keys, c.access.api_keys_file);
    st.s3.path_style = st.s3_addressing.empty() ? !st.s3.endpoint.empty() : st.s3_addressing == "path";
    if (!st.uri.empty() && !parse_s3_uri(st.uri, st.s3.bucket, st.s3.prefix)) {
        throw std::invalid_argument("storage must be empty (local disk) or s3://bucket[/prefix]: " + st.uri);
    }
}

void validate(const Config& c) {
    auto positive = [](long long v, const char* name) {
        if (v <= 0) throw std::invalid_argument(std::string(name) + " must be positive");
    };
    auto range = [](int v, int lo, int hi, const char* name) {
        if (v < lo || v > hi) {
            throw std::invalid_argument(std::string(name) + " must be between " + std::to_string(lo) +
                                        " and " + std::to_string(hi));
        }
    };
    positive(c.server.io_threads, "io-threads");
    http::check_public_url(c.server.public_url);
    http::Cors{c.server.cors_origins}; // throws naming a bad origin
    positive(c.server.header_timeout_ms, "header-timeout-ms");
    positive(c.server.body_idle_timeout_ms, "body-idle-timeout-ms");
    positive(c.server.body_timeout_ms, "body-timeout-ms");
    positive(c.server.write_timeout_ms, "write-timeout-ms");
    positive(static_cast<long long>(c.limits.max_upload_bytes), "max-upload-bytes");
    positive(static_cast<long long>(c.limits.max_source_pixels), "max-source-pixels");
    positive(c.limits.max_output_width, "max-output-width");
    positive(c.limits.max_output_height, "max-output-height");
    positive(c.limits.max_ops, "max-ops");
    positive(c.limits.processing_timeout_ms, "processing-timeout-ms");
    positive(c.limits.max_frames, "max-frames");
    positive(static_cast<long long>(c.limits.max_animation_pixels), "max-animation-pixels");
    positive(c.workers.threads, "workers");
    range(c.workers.queue, 0, 1'000'000, "queue");
    positive(c.workers.vips_concurrency, "vips-concurrency");
    positive(c.fetch.connect_timeout_ms, "fetch-connect-timeout-ms");
    positive(c.fetch.total_timeout_ms, "fetch-timeout-ms");
    range(c.fetch.max_redirects, 0, 20, "fetch-max-redirects");
    parse_networks(c.fetch.allowed_networks); // throws on a malformed entry
    positive(c.signing.url_expiry_s, "url-expiry-s");
    positive(c.cluster.queue, "cluster-queue");
    positive(c.cluster.worker_threads, "threads");
    positive(static_cast<long long>(c.cluster.cache_max_bytes), "cache-max-bytes");
    range(c.cluster.metrics_port, 0, 65535, "metrics-port");
    if (!c.cluster.nats_url.empty() && c.cluster.nats_url.rfind("nats://", 0) != 0 &&
        c.cluster.nats_url.rfind("tls://", 0) != 0) {
        throw std::invalid_argument("nats must be a nats:// or tls:// URL: " + c.cluster.nats_url);
    }
    for (char ch : c.cluster.name) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') {
            throw std::invalid_argument("cluster name may hold letters, digits, '-' and '_' only");
        }
    }
    if (c.cluster.name.empty()) throw std::invalid_argument("cluster name must not be empty");
    range(c.output.jpeg_quality, 1, 100, "jpeg-quality");
    range(c.output.webp_quality, 1, 100, "webp-quality");
    range(c.output.avif_quality, 1, 100, "avif-quality");
    range(c.output.avif_effort, 0, 9, "avif-effort");
    range(c.output.png_compression, 0, 9, "png-compression");
    if (!c.storage.s3_addressing.empty() && c.storage.s3_addressing != "path" &&
        c.storage.s3_addressing != "virtual") {
        throw std::invalid_argument("s3-addressing must be path or virtual");
    }
    if (!c.storage.uri.empty() && (c.storage.s3.access_key.empty() || c.storage.s3.secret_key.empty())) {
        throw std::invalid_argument("S3 storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    if (c.storage.variants_max_bytes > 0 && (!c.storage.uri.empty() || !c.cluster.nats_url.empty())) {
        // The recency of variants is kept in the memory of the one process that serves them.
        throw std::invalid_argument("variants-max-bytes works on local storage in one process (not with S3 or --nats)");
    }
    positive(c.storage.s3.connect_timeout_ms, "s3-connect-timeout-ms");
    positive(c.storage.s3.request_timeout_ms, "s3-timeout-ms");
    range(c.storage.s3.attempts, 1, 20, "s3-attempts");
    if (!c.signing.secret.empty()) check_key_length("secret", c.signing.secret);
    if (!c.access.transform_key.empty()) check_key_length("transform-key", c.access.transform_key);
    Presets(c.presets, c.limits.max_ops); // throws naming the bad preset
}

nlohmann::json to_json(const Config& c) {
    return {
        {"server",
         {{"host", c.server.host}, {"port", c.server.port}, {"io_threads", c.server.io_threads},
          {"public_url", c.server.public_url}, {"trust_proxy", c.server.trust_proxy},
          {"cors_origins", c.server.cors_origins},
          {"header_timeout_ms", c.server.header_timeout_ms},
          {"body_idle_timeout_ms", c.server.body_idle_timeout_ms},
          {"body_timeout_ms", c.server.body_timeout_ms},
          {"write_timeout_ms", c.server.write_timeout_ms},
          {"shutdown_grace_ms", c.server.shutdown_grace_ms}}},
        {"limits", c.limits},
        {"workers",
         {{"threads", c.workers.threads}, {"queue", c.workers.queue},
          {"vips_concurrency", c.workers.vips_concurrency}}},
        {"fetch",
         {{"allow_private_networks", c.fetch.allow_private_networks},
          {"allowed_networks", c.fetch.allowed_networks},
          {"connect_timeout_ms", c.fetch.connect_timeout_ms},
          {"total_timeout_ms", c.fetch.total_timeout_ms},
          {"max_redirects", c.fetch.max_redirects}}},
        {"storage",
         {{"data_dir", c.storage.data_dir}, {"uri", c.storage.uri},
          {"variants_max_bytes", c.storage.variants_max_bytes},
          {"memory_cache_bytes", c.storage.memory_cache_bytes},
          {"s3",
           {{"bucket", c.storage.s3.bucket}, {"prefix", c.storage.s3.prefix},
            {"endpoint", c.storage.s3.endpoint}, {"region", c.storage.s3.region},
            {"path_style", c.storage.s3.path_style},
            {"access_key", c.storage.s3.access_key.empty() ? "" : "(set)"},
            {"connect_timeout_ms", c.storage.s3.connect_timeout_ms},
            {"timeout_ms", c.storage.s3.request_timeout_ms},
            {"attempts", c.storage.s3.attempts}}}}},
        {"signing",
         {{"secret", c.signing.secret.empty() ? "(generated)" : "(set)"},
          {"url_expiry_s", c.signing.url_expiry_s}, {"public_bytes", c.signing.public_bytes}}},
        {"access",
         {{"api_keys", c.access.keys.empty() ? "(none)" : "(set)"},
          {"transform_key", c.access.transform_key.empty() ? "(none)" : "(set)"},
          {"allow_delete", c.access.allow_delete}}},
        {"output", c.output},
        {"cluster",
         {{"nats", c.cluster.nats_url}, {"name", c.cluster.name}, {"queue", c.cluster.queue}}},
        {"presets",
         {{"presets", c.presets.presets}, {"presets_only", c.presets.presets_only},
          {"eager", c.presets.eager}}},
        {"log", {{"format", c.log.format}, {"level", c.log.level}}},
    };
}

} // namespace imgpipe::cli
