#include "http/api.h"

#include "core/formats/format.h"
#include "core/ids.h"
#include "core/ops/catalog.h"
#include "core/ops/negotiate.h"
#include "core/ops/parse.h"
#include "core/text.h"
#include "http/assets.h"
#include "http/error_response.h"
#include "http/range.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cctype>
#include <ctime>
#include <set>

namespace imgpipe::http {

using boost::asio::awaitable;
using boost::beast::http::status;

namespace {

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<std::string_view> views(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

const char* outcome(const ImageService::Transformed& t) {
    return t.created ? "created" : t.coalesced ? "coalesced" : "stored";
}

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
    if (if_none_match.empty()) return false;
    if (if_none_match == "*") return true;
    // A list of entity tags; weak ones compare by their opaque part (RFC 9110 weak comparison).
    std::string_view rest = if_none_match;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view tag = rest.substr(0, comma);
        while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
        if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
        if (tag == etag) return true;
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    }
    return false;
}

// The list of images: pages of 100 unless asked otherwise, 1000 at most (on S3 every listed
// original costs a HEAD for its metadata).
constexpr size_t kDefaultListLimit = 100;
constexpr size_t kMaxListLimit = 1000;

// RFC 3339, UTC, to the second: "2026-12-02T08:17:19Z".
std::string rfc3339(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

size_t list_limit(const std::optional<std::string>& text) {
    if (!text) return kDefaultListLimit;
    size_t limit = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > kMaxListLimit) {
        throw Error(ErrorCode::bad_request,
                    "limit must be a whole number from 1 to " + std::to_string(kMaxListLimit));
    }
    return limit;
}

constexpr const char* kVariantHelp =
    "Requests for a variant, by answer: stored (found in storage), created (computed for this request), "
    "coalesced (waited for the same variant being computed for another request).";

} // namespace

Api::Api(ImageWork& work, Storage& storage, const Fetcher& fetcher, const UrlSigner& signer,
         const Access& access, const Config& config, WorkerPool& blocking, Metrics& metrics)
    : work_(work), storage_(storage), fetcher_(fetcher), signer_(signer), access_(access),
      config_(config), blocking_(blocking), presets_(config.presets, config.limits.max_ops),
      metrics_(metrics),
      // Computed by this process; in cluster mode the workers compute and count them.
      transforms_run_(metrics.counter("imgpipe_transforms_total", "Derived images computed by this process.")),
      transforms_coalesced_(metrics.counter(
          "imgpipe_transforms_coalesced_total",
          "Requests for a derivative that waited for a transform already running.")),
      uploads_(metrics.counter("imgpipe_uploads_total", "Originals stored (uploads and links).")),
      overloaded_(metrics.counter("imgpipe_overloaded_total",
                                  "Requests refused with 503 because the queue was full.")),
      eager_ok_(metrics.counter("imgpipe_eager_transforms_total",
                                "Preset variants made right after an upload (--eager).", {{"result", "ok"}})),
      eager_failed_(metrics.counter("imgpipe_eager_transforms_total",
                                    "Preset variants made right after an upload (--eager).",
                                    {{"result", "failed"}})),
      variant_stored_(metrics.counter("imgpipe_variant_requests_total", kVariantHelp, {{"result", "stored"}})),
      variant_created_(metrics.counter("imgpipe_variant_requests_total", kVariantHelp, {{"result", "created"}})),
      variant_coalesced_(
          metrics.counter("imgpipe_variant_requests_total", kVariantHelp, {{"result", "coalesced"}})) {
    metrics.counter_fn("imgpipe_jobs_dispatched_total", "Jobs handed to the cluster's workers.",
                     [&work] { return static_cast<double>(work.dispatched()); });
    metrics.gauge_fn("imgpipe_workers_in_flight", "Jobs running or queued on the image workers.",
                     [&work] { return static_cast<double>(work.in_flight()); });
}

template <class F>
awaitable<std::invoke_result_t<F>> Api::storage_call(F fn) {
    if (!storage_.blocking()) co_return fn();
    co_return co_await blocking_.run(std::move(fn));
}

std::string encode_id_for_url(const std::string& id) { return percent_encode(id, "-_.~:/,"); }

Response Api::error(const Error& e, const std::string& request_id) {
    Response r;
    r.status = status_of(e.code());
    r.body = error_body(e.code(), e.what(), request_id);
    r.outcome = error_code_name(e.code());
    if (e.code() == ErrorCode::overloaded || e.code() == ErrorCode::storage_unavailable ||
        e.code() == ErrorCode::workers_unavailable) {
        r.headers.emplace_back("Retry-After", "1");
    }
    if (e.code() == ErrorCode::unauthorized) {
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"imgpipe\"");
    }
    return r;
}

void Api::authorize_write(std::string_view authorization) const {
    if (!access_.api_keys.enabled()) return;
    if (authorization.empty()) {
        throw Error(ErrorCode::unauthorized, "this request needs an API key: Authorization: Bearer <key>");
    }
    if (!access_.api_keys.accepts(authorization)) {
        throw Error(ErrorCode::unauthorized, "the API key is not valid");
    }
}

awaitable<Response> Api::health(Request) {
    Response r;
    r.body = nlohmann::json{{"status", "ok"},
                            {"workers_in_flight", work_.in_flight()},
                            {"transforms", transforms_run_.value()},
                            {"jobs_dispatched", work_.dispatched()},
                            {"transforms_coalesced", transforms_coalesced_.value()},
                            {"uploads", uploads_.value()},
                            {"eager_transforms", {{"ok", eager_ok_.value()}, {"failed", eager_failed_.value()}}}}
                 .dump();
    co_return r;
}

awaitable<Response> Api::ready(Request) {
    try {
        // A round trip to the store: a file read on local disk, a GET on S3.
        co_await storage_call([this] { return storage_.identity(); });
    } catch (const std::exception& e) {
        spdlog::warn("not ready: the store does not answer: {}", e.what());
        throw Error(ErrorCode::storage_unavailable, "not ready: the store does not answer");
    }
    if (!work_.reachable()) {
        throw Error(ErrorCode::workers_unavailable, "not ready: the worker tier's broker (NATS) is not connected");
    }
    Response r;
    r.body = nlohmann::json{{"status", "ready"}, {"storage", "ok"}, {"workers", work_.local() ? "local" : "ok"}}.dump();
    co_return r;
}

awaitable<Response> Api::ops(Request) {
    nlohmann::json presets = nlohmann::json::array();
    for (const auto& [name, chain] : presets_.chains()) presets.push_back({{"name", name}, {"chain", chain}});
    nlohmann::json formats = nlohmann::json::array();
    for (const auto& f : output_formats()) {
        formats.push_back({{"name", f.name},
                           {"content_type", f.mime},
                           {"alpha", f.alpha},
                           {"animation", f.animation},
                           {"lossy", f.lossy}});
    }
    Response r;
    r.body = nlohmann::json{{"ops", op_catalog()},
                            {"presets", presets},
                            {"presets_only", presets_.only()},
                            {"formats", formats},
                            {"uploads_need_key", access_.api_keys.enabled()},
                            {"transforms_need_signature", access_.transforms.enabled()},
                            {"max_upload_bytes", config_.limits.max_upload_bytes},
                            {"max_ops", config_.limits.max_ops}}
                 .dump();
    co_return r;
}

awaitable<Response> Api::metrics(Request) {
    Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.prometheus();
    co_return r;
}

awaitable<Response> Api::asset(Request req) {
    const Asset* file = find_asset(req.route.asset);
    if (!file) throw Error(ErrorCode::not_found, "no such file");
    Response r;
    r.content_type = std::string(file->content_type);
    // Revalidated on every use: a new binary serves a new page at once, an unchanged one costs a 304.
    r.headers.emplace_back("ETag", std::string(file->etag));
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (etag_matches(req.info.if_none_match, std::string(file->etag))) {
        r.status = status::not_modified;
        r.content_type.clear();
        co_return r;
    }
    r.body = std::string(file->bytes);
    co_return r;
}

Response Api::object_json(const ObjectInfo& info, status st, const RequestInfo& req) const {
    std::string url;
    if (auto presigned = storage_.presigned_url(info, config_.signing.url_expiry_s)) {
        url = *presigned; // straight from the bucket, as the original service did
    } else {
        const std::string path = "/bytes/" + info.id;
        const std::string signed_path = signer_.sign(path, unix_now() + config_.signing.url_expiry_s);
        // The signature covers the decoded path; the link carries it percent-encoded.
        url = req.links.absolute("/bytes/" + encode_id_for_url(info.id) + signed_path.substr(path.size()));
    }
    nlohmann::json j = info;
    j["url"] = url;
    Response r;
    r.status = st;
    r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

std::string Api::location_of(const ObjectInfo& info, const RequestInfo& req) const {
    std::string path = "/image/" + encode_id_for_url(info.id) + "/";
    // With signed transforms the link must carry its signature to be followed; the stored chain is
    // canonical, so it is the signed subject as it will be parsed again.
    const ObjectId id = parse_object_id(info.id);
    if (!id.chain.empty() && access_.transforms.enabled()) {
        path += "?sig=" + access_.transforms.sign(id.uuid, id.chain);
    }
    return req.links.location(path);
}

std::string Api::as_requested(const Route& route, const RequestInfo& req) const {
    std::string path = "/image/" + route.id + "/";
    for (const auto& segment : route.chain) path += percent_encode(segment, "-_.~:,") + "/";
    if (!route.sig.empty()) path += "?sig=" + route.sig;
    return req.links.location(path);
}

awaitable<Response> Api::upload(Request req) {
    if (!req.file) throw Error(ErrorCode::bad_request, "missing field 'file'");
    co_return co_await store(std::move(req.file), std::move(req.filename), req.info);
}

awaitable<Response> Api::store(std::unique_ptr<Spool> file, std::string filename, const RequestInfo& req) {
    const ObjectInfo info = co_await counted(work_.ingest(std::move(file), std::move(filename)));
    uploads_.inc();
    Response r = object_json(info, status::created, req);
    r.outcome = "created";
    r.headers.emplace_back("Location", location_of(info, req));
    // Started now, run after this answer is on its way: the 201 never waits for them.
    if (!presets_.eager().empty()) {
        boost::asio::co_spawn(co_await boost::asio::this_coro::executor, eager(info), boost::asio::detached);
    }
    co_return r;
}

awaitable<Response> Api::link(Request req) {
    auto it = req.fields.find("file_url");
    if (it == req.fields.end() || it->second.empty()) {
        throw Error(ErrorCode::bad_request, "missing field 'file_url'");
    }
    std::string url = it->second;
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) url.erase(0, 1);
    const auto temp_dir = storage_.temp_dir();
    Download download =
        co_await blocking_.run([this, &url, &temp_dir] { return fetcher_.fetch(url, temp_dir); });
    co_return co_await store(std::move(download.spool), download.filename, req.info);
}

Chain Api::requested_chain(const Route& route) const {
    try {
        return parse_chain(views(presets_.expand(route.chain)), config_.limits.max_ops);
    } catch (const Error& e) {
        // A mistyped preset name reads as an unknown op: say which names exist.
        if (e.code() != ErrorCode::invalid_chain || presets_.empty()) throw;
        throw Error(ErrorCode::invalid_chain, std::string(e.what()) + "; presets: " + presets_.names());
    }
}

awaitable<ImageService::Transformed> Api::resolve(const Route& route, bool signed_link,
                                                  const RequestInfo& req, bool& negotiated) {
    if (!is_image_id(route.id)) throw Error(ErrorCode::not_found, "no image with this id");
    // Our own signed links name the concrete chain a preset became: they pass.
    if (presets_.only() && !signed_link && !presets_.all_presets(route.chain)) {
        throw Error(ErrorCode::invalid_chain,
                    "this server only runs presets (" + presets_.names() + "): use /image/<id>/<preset>/");
    }
    const Chain requested = requested_chain(route);
    // Cheap look-ups first, on this thread: only real work goes to the pool.
    if (!requested.empty() && !signed_link && access_.transforms.enabled()) {
        if (route.sig.empty()) {
            throw Error(ErrorCode::forbidden, "this server only runs signed transforms: add ?sig=");
        }
        // Signed as requested: convert:auto stays convert:auto.
        if (!access_.transforms.verify(route.id, requested.canonical(), route.sig)) {
            throw Error(ErrorCode::forbidden, "the transform signature is not valid");
        }
    }
    // convert:auto becomes a concrete convert before the key is formed, so every format is its
    // own stored object and a cache never mixes them (the answer says Vary: Accept).
    negotiated = negotiates(requested);
    std::optional<ObjectInfo> original;
    Chain chain = requested;
    if (negotiated) {
        Format format = negotiate_format(req.accept, true);
        if (format == Format::png) {
            // The fallback depends on whether the image may be transparent, which the original's
            // metadata tells by its format: one more look-up, only for clients without AVIF/WebP.
            original = co_await storage_call([this, &route] { return storage_.head(route.id); });
            if (!original) throw Error(ErrorCode::not_found, "no image with this id");
            format = negotiate_format(req.accept, may_have_alpha(original->content_type, requested));
        }
        chain = concrete_chain(requested, format);
    }
    // A stored result under the requested chain's key is the answer (one head): that key is
    // source-aware canonical whenever an object has it. Else the original it is to be made from.
    const std::string requested_key = variant_id(route.id, chain);
    struct Found {
        std::optional<ObjectInfo> stored, original;
    };
    const Found found = co_await storage_call([this, &requested_key, &route, &original] {
        if (auto stored = storage_.head(requested_key)) return Found{stored, std::nullopt};
        return Found{std::nullopt, original ? original : storage_.head(route.id)};
    });
    if (found.stored) {
        if (!chain.empty()) variant_stored_.inc();
        co_return ImageService::Transformed{*found.stored, false};
    }
    if (!found.original) throw Error(ErrorCode::not_found, "no image with this id");
    // The storage key: chains equivalent given the original's format share one object.
    const Chain canonical = stored_chain(chain, *found.original);
    const std::string key = variant_id(route.id, canonical);
    if (key != requested_key) {
        const auto stored = co_await storage_call([this, &key] { return storage_.head(key); });
        if (stored) {
            if (!canonical.empty()) variant_stored_.inc(); // empty: the original itself
            co_return ImageService::Transformed{*stored, false};
        }
    }
    co_return co_await produce(*found.original, canonical, key);
}

awaitable<ImageService::Transformed> Api::produce(const ObjectInfo& original, const Chain& chain,
                                                  const std::string& key, bool request) {
    bool joined = false;
    const auto result = co_await transforms_.run(
        key,
        [this, &original, &chain, &key, request]() -> awaitable<ImageService::Transformed> {
            // Eager work refused by a full queue is not a refused request.
            if (!request) co_return co_await work_.transform(original, chain, key);
            co_return co_await counted(work_.transform(original, chain, key));
        },
        joined);
    if (joined) {
        transforms_coalesced_.inc();
        if (request) variant_coalesced_.inc();
        co_return ImageService::Transformed{result.info, false, true}; // created by another request
    }
    if (result.created && work_.local()) transforms_run_.inc();
    // The canonical chain may be empty (a no-op chain is the original): not a variant.
    if (request && !chain.empty()) (result.created ? variant_created_ : variant_stored_).inc();
    co_return result;
}

awaitable<void> Api::eager(ObjectInfo original) {
    // One variant after another: an upload never holds more than one pool slot for its presets,
    // and a full queue refuses them as it refuses requests (counted as failed; the first view
    // then computes it as usual).
    for (const Chain& preset : presets_.eager()) {
        std::vector<Chain> chains;
        if (negotiates(preset)) {
            // No Accept header here: every answer a client can get.
            const Format fallback = may_have_alpha(original.content_type, preset) ? Format::png : Format::jpeg;
            for (Format f : {Format::avif, Format::webp, fallback}) chains.push_back(concrete_chain(preset, f));
        } else {
            chains.push_back(preset);
        }
        for (const Chain& concrete : chains) {
            const Chain chain = stored_chain(concrete, original);
            try {
                co_await produce(original, chain, variant_id(original.id, chain), false);
                eager_ok_.inc();
            } catch (const std::exception& e) {
                eager_failed_.inc();
                spdlog::warn("eager preset {} of {}: {}", chain.canonical(), original.id, e.what());
            }
        }
    }
}

awaitable<Response> Api::image(Request request) {
    const Route& route = request.route;
    const RequestInfo& req = request.info;
    bool negotiated = false;
    const auto result = co_await resolve(route, false, req, negotiated);
    Response r = object_json(result.info, result.created ? status::created : status::ok, req);
    r.outcome = outcome(result);
    if (result.created) {
        r.headers.emplace_back("Location",
                               presets_.only() ? as_requested(route, req) : location_of(result.info, req));
    }
    if (negotiated) r.headers.emplace_back("Vary", "Accept");
    co_return r;
}

awaitable<Response> Api::list(Request req) {
    const size_t limit = list_limit(query_value(req.route.query, "limit"));
    const std::string after = query_value(req.route.query, "after").value_or("");
    if (!after.empty() && !is_image_id(after)) {
        throw Error(ErrorCode::bad_request, "after must be an image id (the next of an earlier page)");
    }
    const ImagePage page = co_await storage_call([this, &after, limit] { return storage_.list_images(after, limit); });
    nlohmann::json images = nlohmann::json::array();
    for (const StoredImage& image : page.images) {
        nlohmann::json j = image.info;
        j["created"] = rfc3339(image.created);
        images.push_back(std::move(j));
    }
    nlohmann::json body{{"images", std::move(images)}};
    if (!page.next.empty()) body["next"] = page.next;
    Response r;
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    co_return r;
}

awaitable<Response> Api::remove(Request req) {
    // With API keys the session has checked one already.
    if (!access_.api_keys.enabled() && !config_.access.allow_delete) {
        throw Error(ErrorCode::forbidden,
                    "deleting is off on this server: it needs API keys (--api-keys) or --allow-delete");
    }
    const Route& route = req.route;
    if (!is_image_id(route.id)) throw Error(ErrorCode::not_found, "no image with this id");
    size_t removed = 0;
    if (route.chain.empty()) {
        removed = co_await storage_call([this, &route] { return storage_.remove_image(route.id); });
        if (removed == 0) throw Error(ErrorCode::not_found, "no image with this id");
    } else {
        const Chain requested = requested_chain(route);
        const auto original = co_await storage_call([this, &route] { return storage_.head(route.id); });
        if (!original) throw Error(ErrorCode::not_found, "no image with this id");
        // Every key a GET of this chain may have been answered from: as requested and as stored
        // (source-aware canonical), and for convert:auto each format it negotiates to.
        std::vector<Chain> chains{requested};
        if (negotiates(requested)) {
            chains.clear();
            for (Format f : {Format::avif, Format::webp, Format::png, Format::jpeg}) {
                chains.push_back(concrete_chain(requested, f));
            }
        }
        std::set<std::string> keys;
        for (const Chain& chain : chains) {
            const Chain stored = stored_chain(chain, *original);
            if (chain.empty() || stored.empty()) {
                throw Error(ErrorCode::invalid_chain,
                            "this chain leaves the original as it is: DELETE /image/<id>/ deletes the image");
            }
            keys.insert(variant_id(route.id, chain));
            keys.insert(variant_id(route.id, stored));
        }
        removed = co_await storage_call([this, &keys] {
            size_t n = 0;
            for (const std::string& key : keys) {
                if (!storage_.exists(key)) continue;
                storage_.remove(key);
                ++n;
            }
            return n;
        });
        if (removed == 0) throw Error(ErrorCode::not_found, "no such variant of this image");
    }
    Response r;
    r.status = status::no_content;
    r.content_type.clear();
    r.outcome = "deleted";
    co_return r;
}

awaitable<Response> Api::bytes(Request request) {
    const Route& route = request.route;
    const RequestInfo& req = request.info;
    const bool signed_link = !route.signature.empty() || !route.expires.empty();
    if (signed_link) {
        if (!signer_.verify(route.path, route.expires, route.signature, unix_now())) {
            throw Error(ErrorCode::forbidden, "the link's signature is invalid or has expired");
        }
    } else if (!config_.signing.public_bytes) {
        throw Error(ErrorCode::forbidden, "this server serves images through signed links only");
    }
    bool negotiated = false;
    const auto result = co_await resolve(route, signed_link, req, negotiated);
    const ObjectInfo& info = result.info;
    Response r;
    r.outcome = outcome(result);
    if (negotiated) r.headers.emplace_back("Vary", "Accept");
    r.content_type = info.content_type;
    r.headers.emplace_back("ETag", info.etag);
    r.headers.emplace_back("Cache-Control", info.id.find('/') != std::string::npos
                                                ? "public, max-age=31536000, immutable"
                                                : "public, max-age=86400");
    r.headers.emplace_back("Accept-Ranges", "bytes");
    // If-None-Match first, then Range (RFC 9110 13.2.2).
    if (etag_matches(req.if_none_match, info.etag)) {
        r.status = status::not_modified;
        r.content_type.clear();
        r.outcome = "not_modified";
        co_return r;
    }
    const uint64_t size = info.content_length;
    const RangeAnswer range =
        if_range_holds(req.if_range, info.etag) ? answer_range(req.range, size) : RangeAnswer{};
    if (range.kind == RangeAnswer::unsatisfiable) {
        Response e = error(Error(ErrorCode::range_not_satisfiable,
                                 "the range is outside the image's " + std::to_string(size) + " bytes"),
                           req.request_id);
        e.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        e.headers.emplace_back("Accept-Ranges", "bytes");
        co_return e;
    }
    if (range.kind == RangeAnswer::part) {
        r.status = status::partial_content;
        r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                    std::to_string(range.first + range.length - 1) + "/" +
                                                    std::to_string(size));
        r.blob = co_await storage_call(
            [this, &info, &range] { return storage_.open_range(info.id, range.first, range.length); });
    } else {
        r.blob = co_await storage_call([this, &info] { return storage_.open(info.id); });
    }
    if (!r.blob) throw Error(ErrorCode::not_found, "no image with this id");
    r.blob_blocks = storage_.blocking();
    co_return r;
}

} // namespace imgpipe::http
