#pragma once

#include "core/config.h"
#include "core/fetch/fetcher.h"
#include "core/images.h"
#include "core/signing.h"
#include "core/storage/storage.h"
#include "http/router.h"
#include "http/worker_pool.h"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/status.hpp>

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
};

// What handlers need to know about the request besides the route.
struct RequestInfo {
    std::string host;          // Host header, for absolute links
    std::string if_none_match; // for 304
};

// The request handlers. They do no socket I/O: the session reads bodies into a Spool or a field map
// and writes the Response. Blocking work goes to the worker pool (images) or the fetch pool (links).
class Api {
public:
    Api(ImageService& images, Storage& storage, const Fetcher& fetcher, const UrlSigner& signer,
        const Config& config, WorkerPool& workers, WorkerPool& fetchers)
        : images_(images), storage_(storage), fetcher_(fetcher), signer_(signer), config_(config),
          workers_(workers), fetchers_(fetchers) {}

    boost::asio::awaitable<Response> upload(std::unique_ptr<Spool> file, std::string filename,
                                            RequestInfo req);
    boost::asio::awaitable<Response> link(std::string url, RequestInfo req);
    boost::asio::awaitable<Response> image(Route route, RequestInfo req);
    boost::asio::awaitable<Response> bytes(Route route, RequestInfo req);
    Response health() const;
    std::filesystem::path temp_dir() const { return storage_.temp_dir(); }

    static Response error(const Error& e);

private:
    boost::asio::awaitable<ImageService::Transformed> resolve(const Route& route);
    Response object_json(const ObjectInfo& info, boost::beast::http::status status,
                         const RequestInfo& req) const;

    ImageService& images_;
    Storage& storage_;
    const Fetcher& fetcher_;
    const UrlSigner& signer_;
    const Config& config_;
    WorkerPool& workers_;
    WorkerPool& fetchers_;
};

// "<uuid>/rotate:10|convert:png" -> "<uuid>/rotate:10%7Cconvert:png": safe in a URL path.
std::string encode_id_for_url(const std::string& id);

} // namespace imgpipe::http
