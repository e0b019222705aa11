#pragma once

#include "core/storage/s3_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <string>
#include <vector>

namespace imgpipe {

// All configuration, one struct of sub-structs. The default member initialisers are the documented
// defaults (README "Configuration"); src/core/config.cpp binds every field to a flag and an
// IMGPIPE_* environment variable. No other code reads the environment.
// One network thread per 2 cores, at least two, each with its own connections and io_context (a
// thread with its own serves a stored hit with ~30% less CPU than two sharing them, bench/
// RESULTS.md, 2026-12-03 noon); with one, stored hits lose a third of their rate whenever that
// thread's core is slow or shared (2026-12-04 night). A Standby covers for a thread that stalls
// (http/standby.h).
inline int default_io_threads() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency() / 2)); }

struct ServerConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 8000;
    int io_threads = default_io_threads(); // threads that parse, route and write (never decode images)
    std::string public_url;        // base of the links in `url` and Location; empty: from the request
    bool trust_proxy = false;      // links from X-Forwarded-Proto/-Host (set only behind a proxy that sets them)
    std::string cors_origins;      // "https://a.example, https://b.example" or "*": browsers there may call; empty: none
    int header_timeout_ms = 10000; // whole request header must arrive within this
    int body_idle_timeout_ms = 15000; // a body read that makes no progress for this long is cut
    int body_timeout_ms = 300000;     // a whole request body must arrive within this
    int write_timeout_ms = 60000;     // a response must be taken by the client within this
    int shutdown_grace_ms = 10000;    // SIGTERM: in-flight requests get this long to finish
};

struct LimitsConfig {
    uint64_t max_upload_bytes = 50ull * 1024 * 1024;
    uint64_t max_source_pixels = 50'000'000; // checked after the header-only open, before decoding
    int max_output_width = 8192;             // also bounds every intermediate size of a chain
    int max_output_height = 8192;
    int max_ops = 16;
    int processing_timeout_ms = 30000; // per transform, enforced inside libvips evaluation
    // Animated GIF/WebP keep every frame. 300 frames is 10 s at 30 fps, 30 s at 10 fps: longer
    // animations are video. The pixels over all frames (source, every step of a chain) bound decode,
    // memory and encode time; 50 megapixels, as for a still source, is 300 frames of 480x340 or 150
    // of 640x480. Ops cost more per pixel on small frames (a 10-degree rotate of 300 frames of
    // 320x240 took ~25 s on 2 busy cores against ~3 s for one 23-megapixel still).
    int max_frames = 300;
    uint64_t max_animation_pixels = 50'000'000;
};

// As JSON (field names as keys): `--print-config`, and the limits a cluster job carries. A field a
// job lacks (sent by an older API node during a rolling upgrade) takes its default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LimitsConfig, max_upload_bytes, max_source_pixels,
                                                max_output_width, max_output_height, max_ops,
                                                processing_timeout_ms, max_frames, max_animation_pixels)

struct WorkersConfig {
    int threads = 2;          // image work threads (the bounded pool)
    int queue = 32;           // jobs waiting beyond the running ones; more answer 503 at once
    int vips_concurrency = 1; // libvips threads per job; threads x vips_concurrency ~ cores
};

struct FetchConfig {
    bool allow_private_networks = false; // allow link uploads from loopback/private addresses
    std::string allowed_networks;        // "10.1.2.0/24, fd00::/8": reachable although not public
    int connect_timeout_ms = 5000;
    int total_timeout_ms = 15000;
    int max_redirects = 3;
};

struct StorageConfig {
    std::string data_dir = "./data"; // local objects, spool files, the generated secret
    std::string uri;                 // empty: local disk; "s3://bucket[/prefix]": S3
    std::string s3_addressing;       // "path" or "virtual"; empty: path with an endpoint
    S3Config s3;                     // bucket and prefix come from `uri`
    // Local disk, one process: variants (recomputable; never originals or mipmaps) are kept under
    // this many bytes, least recently used out first. 0: no cap.
    uint64_t variants_max_bytes = 0;
    // Local disk: the bytes of stored objects up to 4 MB that are read (served, or a mipmap a
    // transform starts from) are kept in memory, up to this many bytes, least recently used out
    // first, so a hit reads no file. 0: off.
    uint64_t memory_cache_bytes = 16ull * 1024 * 1024; // 64 MB grew RSS by ~90 MB under bench/saturate.sh
};

struct SigningConfig {
    std::string secret;         // empty: generated on first run and kept in <data_dir>/secret
    int url_expiry_s = 3600;    // lifetime of the signed `url` links
    bool public_bytes = true;   // /bytes/<id> without a signature is allowed
};

struct AccessConfig {
    std::string api_keys;      // comma-separated; non-empty: uploads need "Authorization: Bearer <key>"
    std::string api_keys_file; // one key per line, added to api_keys
    std::vector<std::string> keys; // both, read once by cli::finish()
    std::string transform_key; // non-empty: requests naming an op chain need ?sig= (imgpipe sign)
    // DELETE of images and variants: with API keys it needs one; without keys it is refused (403)
    // unless this is set, so that an open server does not let anyone delete everything.
    bool allow_delete = false;
};

// Cluster mode (docs/SCALING.md): API nodes and workers that share a NATS server and a store.
struct ClusterConfig {
    std::string nats_url;              // empty: one process does everything (the default)
    std::string name = "imgpipe";      // names the JetStream stream, subjects and KV bucket
    int queue = 64;                    // jobs the whole cluster holds, running or waiting
    // Worker processes only:
    int worker_threads = 2;            // jobs one worker runs at once
    std::string cache_dir;             // originals and mipmaps read from the store; empty: <data>/cache
    uint64_t cache_max_bytes = 1ull << 30;
    int metrics_port = 0;              // 0: no /health and /metrics listener
};

struct OutputConfig {
    int jpeg_quality = 85;
    int webp_quality = 80;
    int avif_quality = 50;
    int avif_effort = 2; // 0 (fast) .. 9 (slow); AVIF encoding is the slowest step by far
    int png_compression = 6;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OutputConfig, jpeg_quality, webp_quality, avif_quality, avif_effort,
                                   png_compression)

// Named chains (README "Presets"): GET /image/<id>/<name>/ is the preset's chain, stored under
// its canonical form. src/core/presets.h parses and checks them.
struct PresetsConfig {
    std::vector<std::string> presets; // "NAME=CHAIN" each; IMGPIPE_PRESETS separates them with ';'
    bool presets_only = false;        // chains other than presets answer 400
    std::string eager;                // comma-separated preset names computed right after an upload
};

struct LogConfig {
    std::string format = "auto"; // json | text | auto: JSON lines unless the log (stderr) is a terminal
    std::string level = "info";  // trace | debug | info | warn | error | critical | off
};

struct Config {
    ServerConfig server;
    LimitsConfig limits;
    WorkersConfig workers;
    FetchConfig fetch;
    StorageConfig storage;
    SigningConfig signing;
    AccessConfig access;
    OutputConfig output;
    ClusterConfig cluster;
    PresetsConfig presets;
    LogConfig log;
};

} // namespace imgpipe
