#include "core/fetch/fetcher.h"

#include "core/errors.h"
#include "core/fetch/address_policy.h"
#include "core/filename.h"
#include "core/text.h"

#include <curl/curl.h>

#include <memory>
#include <sys/socket.h>

namespace imgpipe {

namespace {

struct Transfer {
    Spool* spool;
    bool allow_private;
    const std::vector<Network>* allowed;
    bool blocked = false;
    std::exception_ptr write_error;
};

size_t on_data(char* data, size_t, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    try {
        t->spool->append({data, n});
        return n;
    } catch (...) {
        t->write_error = std::current_exception();
        return CURL_WRITEFUNC_ERROR;
    }
}

// Called for every connection curl opens, including after each redirect, with the address it
// resolved: the place where DNS tricks and redirects to private networks are stopped.
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* addr) {
    auto* t = static_cast<Transfer*>(user);
    if (!t->allow_private && !is_public_address(&addr->addr) && !in_networks(&addr->addr, *t->allowed)) {
        t->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

} // namespace

std::string filename_from_url(const std::string& url) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
    char* path = nullptr;
    std::string name;
    if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u.get(), CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        std::string_view p(path);
        name = percent_decode(p.substr(p.rfind('/') + 1));
        curl_free(path);
    }
    return sanitize_filename(name);
}

Fetcher::Fetcher(const FetchConfig& config, uint64_t max_bytes, Metrics* metrics)
    : config_(config), max_bytes_(max_bytes), allowed_(parse_networks(config.allowed_networks)) {
    if (!metrics) return;
    const char* help = "Seconds per link download (upload by URL), by result.";
    ok_ = &metrics->histogram("imgpipe_fetch_seconds", help, kLatencyBuckets, {{"result", "ok"}});
    failed_ = &metrics->histogram("imgpipe_fetch_seconds", help, kLatencyBuckets, {{"result", "error"}});
    bytes_ = &metrics->counter("imgpipe_fetch_bytes_total", "Bytes downloaded by successful link uploads.");
    timeouts_ = &timeouts_total(*metrics, "fetch");
}

Download Fetcher::fetch(const std::string& url, const std::filesystem::path& temp_dir) const {
    if (!ok_) return download(url, temp_dir);
    const auto start = std::chrono::steady_clock::now();
    const auto seconds = [&start] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    try {
        Download d = download(url, temp_dir);
        ok_->observe(seconds());
        bytes_->inc(d.spool->size());
        return d;
    } catch (...) {
        failed_->observe(seconds());
        throw;
    }
}

Download Fetcher::download(const std::string& url, const std::filesystem::path& temp_dir) const {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
    char* scheme = nullptr;
    if (url.size() > 8192 || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
        curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        throw Error(ErrorCode::bad_request, "file_url is not a valid URL");
    }
    const std::string scheme_s(scheme);
    curl_free(scheme);
    if (scheme_s != "http" && scheme_s != "https") {
        throw Error(ErrorCode::url_not_allowed, "only http and https links are accepted");
    }

    Download result{std::make_unique<Spool>(temp_dir, max_bytes_), filename_from_url(url)};
    Transfer t{result.spool.get(), config_.allow_private_networks, &allowed_, false, nullptr};
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    CURL* c = curl.get();
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(config_.max_redirects));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_ms));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.total_timeout_ms));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes_));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); // never route through an environment proxy
    curl_easy_setopt(c, CURLOPT_USERAGENT, "imgpipe/0.1");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);

    const CURLcode rc = curl_easy_perform(c);
    if (t.write_error) std::rethrow_exception(t.write_error);
    if (t.blocked) {
        throw Error(ErrorCode::url_not_allowed,
                    "the link leads to a private or reserved network address");
    }
    if (rc == CURLE_FILESIZE_EXCEEDED) {
        throw Error(ErrorCode::payload_too_large,
                    "the linked file is larger than the limit of " + std::to_string(max_bytes_) +
                        " bytes");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        if (timeouts_) timeouts_->inc();
        throw Error(ErrorCode::fetch_failed, "the link did not answer in time");
    }
    if (rc == CURLE_TOO_MANY_REDIRECTS) {
        throw Error(ErrorCode::fetch_failed, "the link redirects more than " +
                                                 std::to_string(config_.max_redirects) + " times");
    }
    if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
        throw Error(ErrorCode::url_not_allowed, "only http and https links are accepted");
    }
    if (rc != CURLE_OK) {
        throw Error(ErrorCode::fetch_failed, std::string("the link could not be downloaded: ") +
                                                 curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        throw Error(ErrorCode::fetch_failed,
                    "the link answered HTTP " + std::to_string(status));
    }
    result.spool->finish();
    return result;
}

} // namespace imgpipe
