#pragma once

#include "core/access.h"
#include "core/config.h"
#include "core/fetch/fetcher.h"
#include "core/images.h"
#include "core/metrics.h"
#include "core/presets.h"
#include "core/signing.h"
#include "core/storage/storage.h"
#include "http/coalescer.h"
#include "http/links.h"
#include "http/router.h"
#include "work/image_work.h"
#include "work/worker_pool.h"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/status.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace imgpipe::http {

// What a handler answers; the session writes it. A `blob` is streamed after the headers.
struct Response {
    boost::beast::http::status status = boost::beast::http::status::ok;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::unique_ptr<BlobReader> blob;
    bool blob_blocks = false; // its reads may wait on the network: do them off the I/O thread
    // What happened, for the access log: stored, created, coalesced, not_modified, or an error code.
    std::string outcome;
};

// What handlers need to know about the request besides the route.
struct RequestInfo {
    Links links;               // where the answer's links point
    std::string if_none_match; // for 304
    std::string accept;        // for convert:auto (core/ops/negotiate.h)
    std::string range;         // Range and If-Range, for /bytes/
    std::string if_range;
    std::string request_id;    // for error answers a handler builds itself
};

// A request as a handler gets it: the session has matched the route and read the body the route's
// BodyPolicy asks for.
struct Request {
    Route route;
    RequestInfo info;
    std::unique_ptr<Spool> file;               // multipart_spool: the `file` part, if there was one
    std::string filename;                      // its file name
    std::map<std::string, std::string> fields; // form_fields: the form's fields
};

// The request handlers. They do no socket I/O: the session reads bodies into a Spool or a field map
// and writes the Response. Pixel work goes to `work` (this process's pool or a worker tier);
// waiting on the network (link downloads, a remote storage backend) goes to the blocking pool,
// never to an I/O thread.
class Api {
public:
    Api(ImageWork& work, Storage& storage, const Fetcher& fetcher, const UrlSigner& signer,
        const Access& access, const Config& config, WorkerPool& blocking, Metrics& metrics);

    // Throws Error(unauthorized) when API keys are configured and `authorization` carries none of
    // them: uploads, the list of images and deletes (routes with needs_api_key).
    void authorize_write(std::string_view authorization) const;

    // The handlers of the route table (routes.cpp).
    boost::asio::awaitable<Response> upload(Request req);
    boost::asio::awaitable<Response> link(Request req);
    boost::asio::awaitable<Response> image(Request req);
    boost::asio::awaitable<Response> bytes(Request req);
    // GET /image/?limit=N&after=<id>: a page of originals by id, with the cursor of the next one.
    boost::asio::awaitable<Response> list(Request req);
    // DELETE /image/<id>/ (the image: original, mipmap, every variant) and
    // DELETE /image/<id>/<chain>/ (one variant, under every key a GET of that chain may use).
    // 204, or 404 when there was nothing to delete; 403 without API keys unless --allow-delete.
    boost::asio::awaitable<Response> remove(Request req);
    boost::asio::awaitable<Response> health(Request req);
    boost::asio::awaitable<Response> metrics(Request req);
    // For load balancers: 200 when the store answers and (with a worker tier) the broker is
    // connected, else 503 with the error saying which.
    boost::asio::awaitable<Response> ready(Request req);
    // GET /ops: the op catalogue (core/ops/catalog.h) and what the page needs to know of this
    // server's configuration (presets, whether uploads need a key and transforms a signature).
    boost::asio::awaitable<Response> ops(Request req);
    // A file of web/ (the page, its scripts, openapi.json), compiled into the binary.
    boost::asio::awaitable<Response> asset(Request req);
    std::filesystem::path temp_dir() const { return storage_.temp_dir(); }

    // Runs fn on the blocking pool (for calls that wait on the network).
    template <class F>
    auto blocking(F fn) {
        return blocking_.run(std::move(fn));
    }

    static Response error(const Error& e, const std::string& request_id = {});

private:
    // Stores a checked upload or download as a new original: 201 with its JSON.
    boost::asio::awaitable<Response> store(std::unique_ptr<Spool> file, std::string filename,
                                           const RequestInfo& req);
    // `signed_link`: the request came with a valid time-limited signature from our own answers,
    // which stands in for the transform signature.
    // `negotiated`: set when the chain had convert:auto, i.e. the answer depends on Accept.
    // The chain of a request, presets expanded (a mistyped preset name is told which exist).
    Chain requested_chain(const Route& route) const;
    boost::asio::awaitable<ImageService::Transformed> resolve(const Route& route, bool signed_link,
                                                             const RequestInfo& req, bool& negotiated);
    // The stored variant `key` of `original`, computed (once for concurrent callers) if needed.
    // `request`: for a client's request (false: eager work), which counts a refusal in /metrics.
    boost::asio::awaitable<ImageService::Transformed> produce(const ObjectInfo& original, const Chain& chain,
                                                             const std::string& key, bool request = true);
    // The eager presets of a new original, computed in the background after the upload's answer.
    boost::asio::awaitable<void> eager(ObjectInfo original);
    // Awaits a pool job, counting a refusal for /metrics.
    template <class T>
    boost::asio::awaitable<T> counted(boost::asio::awaitable<T> job) const {
        try {
            co_return co_await std::move(job);
        } catch (const Error& e) {
            if (e.code() == ErrorCode::overloaded) overloaded_.inc();
            throw;
        }
    }
    // A storage call: inline for local disk, on the blocking pool for a network backend.
    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F>> storage_call(F fn);
    Response object_json(const ObjectInfo& info, boost::beast::http::status status,
                         const RequestInfo& req) const;
    // The Location of a 201: the JSON route of the object (signed when transforms need it).
    std::string location_of(const ObjectInfo& info, const RequestInfo& req) const;
    // The Location under --presets-only, where only preset names are served: the route as asked.
    std::string as_requested(const Route& route, const RequestInfo& req) const;

    ImageWork& work_;
    Storage& storage_;
    const Fetcher& fetcher_;
    const UrlSigner& signer_;
    const Access& access_;
    const Config& config_;
    WorkerPool& blocking_;
    const Presets presets_;
    // Concurrent requests for the same new derivative share one transform.
    Coalescer<ImageService::Transformed> transforms_;
    Metrics& metrics_;
    Counter& transforms_run_;       // derivatives computed
    Counter& transforms_coalesced_; // requests that waited for another's result
    Counter& uploads_;              // originals stored
    Counter& overloaded_;           // requests refused with 503 by the pool
    Counter& eager_ok_;             // eager preset variants stored (or found stored)
    Counter& eager_failed_;         // eager preset variants that could not be made
    // Requests for a variant (a non-empty chain), by how they were answered:
    // imgpipe_variant_requests_total{result="stored"|"created"|"coalesced"}.
    Counter& variant_stored_;
    Counter& variant_created_;
    Counter& variant_coalesced_;
};

// "<uuid>/rotate:10|convert:png" -> "<uuid>/rotate:10%7Cconvert:png": safe in a URL path.
std::string encode_id_for_url(const std::string& id);

} // namespace imgpipe::http
