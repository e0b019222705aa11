#include "http/session.h"

#include "http/error_response.h"
#include "http/form.h"
#include "http/form_sink.h"
#include "http/answer_headers.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <vector>

namespace imgpipe::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using net::awaitable;
using net::redirect_error;
using net::use_awaitable;
using std::chrono::milliseconds;

namespace {

// The connection broke or timed out while we were reading a body: there is nobody to answer.
struct ClientGone {};

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxSmallBody = 64 * 1024; // link forms and bodies of GET requests
constexpr uint64_t kMultipartOverhead = 64 * 1024; // part headers and boundaries around the file
constexpr uint64_t kInlineBlobBytes = 1024 * 1024; // smaller blobs go out in one write

// API answers: a browser may show an image and nothing else. The page: its own scripts and
// styles; previews from this server or from the bucket of presigned links (any http(s) origin);
// requests to this server only.
std::string_view content_security_policy(HeaderPolicy policy, std::string_view content_type) {
    if (policy == HeaderPolicy::page) {
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: http: "
               "https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    }
    return content_type.starts_with("image/")
               ? "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
               : "default-src 'none'; sandbox; frame-ancestors 'none'";
}

} // namespace

awaitable<void> Session::run() {
    buffer_.reserve(64 * 1024); // without it Beast reads bodies 512 bytes per syscall
    while (!stopping_) {
        Parser parser;
        parser.header_limit(kMaxHeaderBytes);
        parser.body_limit(config_.limits.max_upload_bytes + kMultipartOverhead);
        boost::system::error_code ec;
        idle_ = true;
        stream_.expires_after(milliseconds(config_.server.header_timeout_ms));
        co_await bhttp::async_read_header(stream_, buffer_, parser, redirect_error(use_awaitable, ec));
        idle_ = false;
        if (ec) {
            const auto& http_errors = boost::system::error_code(bhttp::error::end_of_stream).category();
            if (ec.category() != http_errors || ec == bhttp::error::end_of_stream) {
                break; // closed, reset or timed out: nothing to answer
            }
            // Beast refuses a Content-Length over the body limit while parsing the headers.
            const Error failure =
                ec == bhttp::error::body_limit
                    ? Error(ErrorCode::payload_too_large,
                            "the request body is larger than the upload limit of " +
                                std::to_string(config_.limits.max_upload_bytes) + " bytes")
                : ec == bhttp::error::header_limit
                    ? Error(ErrorCode::headers_too_large,
                            "request headers are larger than " + std::to_string(kMaxHeaderBytes) + " bytes")
                    : Error(ErrorCode::bad_request, "malformed HTTP request");
            observer_.begin();
            Exchange ex;
            ex.request_id = request_id({});
            ex.remote = remote_;
            Response bad = answer(std::make_exception_ptr(failure), ex, parser);
            co_await write(bad, ex, {}, false, false);
            observer_.end(ex);
            co_await linger_close();
            co_return;
        }

        const bool head = parser.get().method() == bhttp::verb::head;
        observer_.begin();
        Exchange ex;
        ex.request_id = request_id(parser.get()["X-Request-Id"]);
        ex.method = std::string(parser.get().method_string());
        ex.target = std::string(parser.get().target());
        ex.remote = remote_;
        Response res;
        std::exception_ptr failure;
        bool gone = false;
        try {
            res = co_await dispatch(parser, ex);
        } catch (const ClientGone&) {
            gone = true;
        } catch (...) {
            failure = std::current_exception();
        }
        if (gone) {
            // Nobody to answer; logged as nginx does (499: the client closed the request).
            ex.status = 499;
            ex.outcome = "client_gone";
            observer_.end(ex);
            break;
        }
        if (failure) res = answer(failure, ex, parser);
        const bool body_unread = !parser.is_done();
        const bool keep_alive = parser.get().keep_alive() && !body_unread && !stopping_;
        co_await write(res, ex, parser.get()[bhttp::field::origin], head, keep_alive);
        observer_.end(ex);
        if (body_unread) {
            co_await linger_close();
            co_return;
        }
        if (!keep_alive) break;
    }
    // close() alone sends the FIN behind what was written (a shutdown first was one more syscall
    // per connection and changed nothing: with unread bytes the kernel resets either way).
    stream_.close();
}

void Session::close_if_idle() {
    if (idle_) stream_.cancel();
}

awaitable<Response> Session::dispatch(Parser& parser, Exchange& ex) {
    auto& req = parser.get();
    // Before the route's method check and API key: a browser's preflight carries neither.
    if (req.method() == bhttp::verb::options && cors_.enabled()) {
        co_await drop_small_body(parser, ex);
        co_return options(parser, ex);
    }
    Request request;
    const Links::Origin origin{req[bhttp::field::host], req["X-Forwarded-Proto"], req["X-Forwarded-Host"]};
    request.info = RequestInfo{Links::of(config_.server, origin),
                               std::string(req[bhttp::field::if_none_match]),
                               std::string(req[bhttp::field::accept]),
                               std::string(req[bhttp::field::range]),
                               std::string(req[bhttp::field::if_range]),
                               ex.request_id};
    request.route = route(req.method_string(), req.target(), ex.allow, &ex.spec);
    const RouteSpec& spec = *request.route.spec;
    ex.spec = &spec;
    // Before a byte of the body is read: strangers get nothing spooled.
    if (spec.needs_api_key) api_.authorize_write(req[bhttp::field::authorization]);
    switch (spec.body) {
    case BodyPolicy::none: co_await drop_small_body(parser, ex); break;
    case BodyPolicy::multipart_spool: co_await read_upload(parser, ex, request); break;
    case BodyPolicy::form_fields: co_await read_form(parser, ex, request); break;
    }
    co_return co_await (api_.*spec.handler)(std::move(request));
}

Response Session::options(const Parser& parser, Exchange& ex) const {
    const auto& req = parser.get();
    std::string methods; // of every route of the path (GET, HEAD and DELETE on an image)
    const RouteSpec& spec = route_of_path(req.target(), &methods);
    ex.spec = &spec;
    const std::string_view origin = req[bhttp::field::origin];
    const bool preflight = !origin.empty() && !req[bhttp::field::access_control_request_method].empty();
    if (preflight && !cors_.allows(origin)) {
        throw Error(ErrorCode::forbidden, "this origin may not use this server from a browser (--cors-origins)");
    }
    Response r;
    r.status = bhttp::status::no_content;
    r.content_type.clear();
    r.headers.emplace_back("Allow", methods + ", OPTIONS");
    if (preflight) Cors::add_preflight_headers(methods, r.headers);
    return r;
}

Response Session::answer(std::exception_ptr failure, const Exchange& ex, const Parser& parser) const {
    try {
        std::rethrow_exception(failure);
    } catch (const Error& e) {
        Response r = Api::error(e, ex.request_id);
        if (e.code() == ErrorCode::method_not_allowed && !ex.allow.empty()) {
            r.headers.emplace_back("Allow", cors_.enabled() ? ex.allow + ", OPTIONS" : ex.allow);
        }
        return r;
    } catch (const std::exception& e) {
        spdlog::error("request {}: {} {}: {}", ex.request_id, std::string(parser.get().method_string()),
                      redact_target(parser.get().target()), e.what());
    } catch (...) {
        spdlog::error("request {}: {} {}: unknown exception", ex.request_id,
                      std::string(parser.get().method_string()), redact_target(parser.get().target()));
    }
    return Api::error(Error(ErrorCode::internal, "internal error"), ex.request_id);
}

awaitable<void> Session::drop_small_body(Parser& parser, Exchange& ex) {
    // These requests carry no body; a small one is read and dropped to keep the connection.
    if (parser.is_done()) co_return;
    size_t seen = 0;
    co_await read_body(parser, ex, [&seen](std::string_view data) {
        seen += data.size();
        if (seen > kMaxSmallBody) throw Error(ErrorCode::payload_too_large, "unexpected body");
    });
}

awaitable<void> Session::continue_if_expected(Parser& parser) {
    // curl asks before sending bodies over 1 MB; without an answer every upload stalls 1 s.
    if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        boost::system::error_code ec;
        stream_.expires_after(milliseconds(config_.server.write_timeout_ms));
        co_await net::async_write(stream_, net::buffer(cont.data(), cont.size()),
                                  redirect_error(use_awaitable, ec));
        if (ec) throw ClientGone{};
    }
}

awaitable<void> Session::read_body(Parser& parser, Exchange& ex,
                                   const std::function<void(std::string_view)>& sink,
                                   const std::function<awaitable<void>()>& paced) {
    std::vector<char> chunk(256 * 1024);
    const auto deadline =
        std::chrono::steady_clock::now() + milliseconds(config_.server.body_timeout_ms);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        stream_.expires_at(std::min(deadline, std::chrono::steady_clock::now() +
                                                  milliseconds(config_.server.body_idle_timeout_ms)));
        boost::system::error_code ec;
        // read_some: hand on what has arrived (async_read would wait for a full chunk).
        co_await bhttp::async_read_some(stream_, buffer_, parser, redirect_error(use_awaitable, ec));
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec == bhttp::error::body_limit) {
            throw Error(ErrorCode::payload_too_large,
                        "the request body is larger than the upload limit of " +
                            std::to_string(config_.limits.max_upload_bytes) + " bytes");
        }
        if (ec) throw ClientGone{};
        const size_t got = chunk.size() - parser.get().body().size;
        ex.bytes_in += got;
        sink({chunk.data(), got});
        if (paced) co_await paced();
    }
}

awaitable<void> Session::read_upload(Parser& parser, Exchange& ex, Request& request) {
    const uint64_t limit = config_.limits.max_upload_bytes;
    if (auto len = parser.content_length(); len && *len > limit + kMultipartOverhead) {
        throw Error(ErrorCode::payload_too_large, "the request body is larger than the upload limit of " +
                                                      std::to_string(limit) + " bytes");
    }
    co_await continue_if_expected(parser);
    const std::string content_type(parser.get()[bhttp::field::content_type]);
    FormSink form([&] {
        return std::make_unique<SpoolFeeder>(std::make_unique<Spool>(api_.temp_dir(), limit), executor(),
                                             spool_threads_);
    });
    std::unique_ptr<MultipartParser> multipart;
    std::string start; // the first bytes, until the boundary can be recognised
    auto begin = [&] {
        auto boundary = multipart_boundary(content_type, start);
        if (!boundary) {
            throw Error(ErrorCode::bad_request,
                        "expected a multipart/form-data body with a 'file' field");
        }
        multipart = std::make_unique<MultipartParser>(*boundary, form);
        multipart->feed(start);
    };
    std::exception_ptr failed;
    try {
        co_await read_body(
            parser, ex,
            [&](std::string_view data) {
                if (multipart) return multipart->feed(data);
                start.append(data);
                if (start.size() >= 256) begin();
            },
            [&]() -> awaitable<void> {
                if (SpoolFeeder* file = form.file()) co_await file->pace();
            });
        if (!multipart) begin();
        multipart->finish();
        if (SpoolFeeder* file = form.file()) request.file = co_await file->finish();
    } catch (...) {
        failed = std::current_exception();
    }
    if (failed) { // the spool file goes before the error is answered
        if (SpoolFeeder* file = form.file()) co_await file->discard();
        std::rethrow_exception(failed);
    }
    request.filename = form.filename();
}

awaitable<void> Session::read_form(Parser& parser, Exchange& ex, Request& request) {
    if (auto len = parser.content_length(); len && *len > kMaxSmallBody) {
        throw Error(ErrorCode::payload_too_large, "the form is too large");
    }
    co_await continue_if_expected(parser);
    std::string body;
    co_await read_body(parser, ex, [&body](std::string_view data) {
        body.append(data);
        if (body.size() > kMaxSmallBody) throw Error(ErrorCode::payload_too_large, "the form is too large");
    });
    const std::string content_type(parser.get()[bhttp::field::content_type]);
    if (auto boundary = multipart_boundary(content_type, body)) {
        FormSink form;
        MultipartParser multipart(*boundary, form);
        multipart.feed(body);
        multipart.finish();
        request.fields = form.fields();
    } else {
        request.fields = parse_urlencoded(body);
    }
}

awaitable<void> Session::write(Response& res, Exchange& ex, std::string_view origin, bool head,
                               bool keep_alive) {
    const HeaderPolicy policy = ex.spec ? ex.spec->headers : HeaderPolicy::api;
    ex.status = static_cast<int>(res.status);
    ex.outcome = res.outcome;
    // The header block is written here rather than by Beast's serializer, which cost ~6% of a
    // stored hit's CPU (a list node per field, a buffer sequence of every field to walk).
    AnswerHeaders fields;
    fields.set("Server", "imgpipe");
    fields.set("X-Request-Id", ex.request_id);
    // On every answer: no MIME sniffing (a polyglot upload stays an image), no framing, no
    // referrer leaking signed links.
    fields.set("X-Content-Type-Options", "nosniff");
    fields.set("X-Frame-Options", "DENY");
    fields.set("Referrer-Policy", "no-referrer");
    fields.set("Content-Security-Policy", content_security_policy(policy, res.content_type));
    if (res.content_type == "application/json") {
        fields.set("Cache-Control", "no-store"); // holds links that expire
    }
    if (!res.content_type.empty()) fields.set("Content-Type", res.content_type);
    cors_.add_headers(origin, res.headers);
    for (const auto& [name, value] : res.headers) fields.set(name, value);

    const uint64_t length = res.blob ? res.blob->size() : res.body.size();
    const bool streamed = res.blob && !head && length > kInlineBlobBytes;
    BlobReader* blob = res.blob.get();
    auto read_blob = [this, blob, blocks = res.blob_blocks](char* buf, size_t n) -> awaitable<size_t> {
        if (!blocks) co_return blob->read(buf, n);
        co_return co_await api_.blocking([blob, buf, n] { return blob->read(buf, n); });
    };
    // 304 and 204 carry no Content-Length (a HEAD's is the GET's: RFC 9110 8.6).
    std::string length_text;
    if (res.status != bhttp::status::not_modified && res.status != bhttp::status::no_content) {
        length_text = std::to_string(length);
        fields.set("Content-Length", length_text);
    }
    if (!keep_alive) fields.set("Connection", "close");
    const std::string header_block = fields.serialize(res.status);

    std::string_view body; // what follows the header block in the same write
    if (!head && !res.blob) {
        body = res.body;
    } else if (!head && !streamed) {
        body = blob->contiguous(); // bytes kept in memory: sent from where they are
        if (body.size() != length) {
            res.body.resize(length);
            size_t got = 0;
            while (got < length) {
                const size_t n = co_await read_blob(res.body.data() + got, length - got);
                if (n == 0) break;
                got += n;
            }
            if (got != length) throw std::runtime_error("stored object shorter than its metadata");
            body = res.body;
        }
    }

    boost::system::error_code ec;
    stream_.expires_after(milliseconds(config_.server.write_timeout_ms));
    if (!streamed) {
        const std::array<net::const_buffer, 2> buffers{net::buffer(header_block), net::buffer(body.data(), body.size())};
        co_await net::async_write(stream_, buffers, redirect_error(use_awaitable, ec));
        if (!ec) ex.bytes_out = body.size();
        co_return;
    }
    co_await net::async_write(stream_, net::buffer(header_block), redirect_error(use_awaitable, ec));
    std::vector<char> chunk(256 * 1024);
    while (!ec) {
        const size_t n = co_await read_blob(chunk.data(), chunk.size());
        if (n == 0) break;
        stream_.expires_after(milliseconds(config_.server.write_timeout_ms));
        const size_t sent = co_await net::async_write(stream_, net::buffer(chunk.data(), n),
                                                      redirect_error(use_awaitable, ec));
        ex.bytes_out += sent;
    }
}

awaitable<void> Session::linger_close() {
    // We answered before reading the whole body (413, 400). Closing at once would reset the
    // connection and the client could lose our answer: stop sending, drain a little, then close.
    boost::system::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    std::vector<char> sink(64 * 1024);
    size_t drained = 0;
    stream_.expires_after(std::chrono::seconds(2));
    while (!ec && drained < 8 * 1024 * 1024) {
        drained += co_await stream_.async_read_some(net::buffer(sink), redirect_error(use_awaitable, ec));
    }
    stream_.close();
}

} // namespace imgpipe::http
