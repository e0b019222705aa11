#include "cli/import_upload.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <sys/stat.h>

namespace imgpipe::cli {

namespace {

// A whole answer of the server; bodies are small JSON, but a stranger behind the URL could send
// anything: beyond this the rest is dropped.
constexpr size_t kMaxBody = 1 << 20;

size_t on_body(char* data, size_t, size_t n, void* user) {
    auto* body = static_cast<std::string*>(user);
    body->append(data, std::min(n, kMaxBody - std::min(kMaxBody, body->size())));
    return n;
}

// Only Retry-After matters here: seconds (an HTTP date, or nonsense, is left to the backoff).
size_t on_header(char* data, size_t, size_t n, void* user) {
    constexpr std::string_view name = "retry-after:";
    const std::string_view line(data, n);
    auto same = [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); };
    if (line.size() > name.size() && std::equal(name.begin(), name.end(), line.begin(), same)) {
        try {
            const double seconds = std::stod(std::string(line.substr(name.size())));
            if (std::isfinite(seconds) && seconds >= 0) *static_cast<double*>(user) = seconds;
        } catch (const std::exception&) {
            // not a number of seconds
        }
    }
    return n;
}

// The file part's bytes, read from disk as the connection takes them.
struct Reader {
    std::FILE* file;
    std::atomic<std::uint64_t>& sent;
    std::uint64_t counted = 0; // this attempt's share of `sent`

    void recount(std::uint64_t now) {
        sent += now - counted; // modulo 2^64: a step back is a subtraction
        counted = now;
    }
};

size_t read_part(char* buffer, size_t size, size_t items, void* user) {
    auto* r = static_cast<Reader*>(user);
    const size_t n = std::fread(buffer, 1, size * items, r->file);
    if (n == 0 && std::ferror(r->file)) return CURL_READFUNC_ABORT;
    r->recount(r->counted + n);
    return n;
}

int seek_part(void* user, curl_off_t offset, int origin) {
    auto* r = static_cast<Reader*>(user);
    if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
    if (::fseeko(r->file, offset, SEEK_SET) != 0) return CURL_SEEKFUNC_FAIL;
    r->recount(static_cast<std::uint64_t>(offset));
    return CURL_SEEKFUNC_OK;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const StopFlags*>(user)->abort ? 1 : 0; // non-zero aborts the transfer
}

UploadOutcome abandoned() {
    UploadOutcome o;
    o.status = UploadOutcome::Status::abandoned;
    return o;
}

UploadOutcome failure(std::string code, std::string message, long status = 0) {
    UploadOutcome o;
    o.error = std::move(code);
    o.message = std::move(message);
    o.http_status = status;
    return o;
}

// An answer's error code and message ({"error": {"code", "message"}}); http_<status> when the
// answer is not the service's JSON (a proxy's page, say).
UploadOutcome refusal(long status, const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_object()) {
        const auto& e = json["error"];
        return failure(e.value("code", "http_" + std::to_string(status)), e.value("message", ""), status);
    }
    return failure("http_" + std::to_string(status), "the server answered " + std::to_string(status), status);
}

double backoff_s(int attempt) {
    thread_local std::minstd_rand random(std::random_device{}());
    // 0.5 s, 1, 2, ... up to 30 s, stretched by up to half at random so that parallel uploads
    // refused together do not come back together.
    const double base = std::min(30.0, 0.5 * static_cast<double>(1 << std::min(attempt, 6)));
    return base * std::uniform_real_distribution<double>(1.0, 1.5)(random);
}

} // namespace

struct Uploader::Attempt {
    UploadOutcome outcome;
    bool retry = false;
    double retry_after_s = -1; // the server's Retry-After, when it sent one
};

bool uploads_need_key(const std::string& base) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    CURL* c = curl.get();
    const std::string url = base + "/ops";
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) throw std::runtime_error("cannot reach " + base + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (status != 200 || !json.is_object() || !json.contains("uploads_need_key")) {
        throw std::runtime_error("GET " + url + " answered " + std::to_string(status) +
                                 " without the service's description: is --server an imgpipe server?");
    }
    return json["uploads_need_key"].get<bool>();
}

Uploader::Uploader(const ServerTarget& target, const StopFlags& flags, std::atomic<std::uint64_t>& bytes_sent)
    : target_(target), flags_(flags), bytes_sent_(bytes_sent), curl_(curl_easy_init()) {
    if (!curl_) throw std::runtime_error("libcurl could not start");
}

Uploader::~Uploader() { curl_easy_cleanup(curl_); }

UploadOutcome Uploader::upload(const ImportFile& file) {
    for (int retry = 0;; ++retry) {
        Attempt a = attempt(file);
        if (!a.retry || retry >= target_.retries) return a.outcome;
        // Retry-After as the server asks (a minute at most), else growing pauses.
        const double wait = a.retry_after_s >= 0 ? std::min(a.retry_after_s, 60.0) : backoff_s(retry);
        if (!pause(wait)) return abandoned();
    }
}

bool Uploader::pause(double seconds) const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
        if (flags_.stop) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !flags_.stop;
}

Uploader::Attempt Uploader::attempt(const ImportFile& file) {
    Attempt a;
    std::unique_ptr<std::FILE, decltype(&std::fclose)> owned(std::fopen(file.path.c_str(), "rb"), std::fclose);
    if (!owned) {
        a.outcome = failure("unreadable", std::strerror(errno));
        return a;
    }
    struct stat st {};
    ::fstat(::fileno(owned.get()), &st);
    const std::int64_t mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (static_cast<std::uint64_t>(st.st_size) != file.size || mtime_ns != file.mtime_ns) {
        // The manifest must describe what was sent: the next run takes the file as it is then.
        a.outcome = failure("changed", "the file changed after it was found; import again to send it");
        return a;
    }

    CURL* c = curl_;
    curl_easy_reset(c); // keeps the connection
    Reader reader{owned.get(), bytes_sent_};
    std::unique_ptr<curl_mime, decltype(&curl_mime_free)> mime(curl_mime_init(c), curl_mime_free);
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_name(part, "file");
    const std::string name = file.path.substr(file.path.find_last_of('/') + 1);
    curl_mime_filename(part, name.c_str());
    curl_mime_data_cb(part, static_cast<curl_off_t>(file.size), read_part, seek_part, nullptr, &reader);

    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
    auto add_header = [&headers](const std::string& h) {
        headers.reset(curl_slist_append(headers.release(), h.c_str()));
    };
    if (!target_.api_key.empty()) add_header("Authorization: Bearer " + target_.api_key);
    // The service answers a refusal (a bad key, a body over its limit) before the body is sent.
    add_header("Expect: 100-continue");
    add_header("Accept: application/json");

    const std::string url = target_.base + "/image/upload/";
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "imgpipe-import");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.retry_after_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    // No limit on the whole transfer (files may be large), but a minute without progress is a
    // dead connection.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &flags_);

    const CURLcode rc = curl_easy_perform(c);
    reader.recount(0);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        a.outcome = abandoned();
        return a;
    }
    if (rc == CURLE_READ_ERROR) {
        a.outcome = failure("unreadable", "the file could not be read to the end");
        return a;
    }
    if (rc != CURLE_OK) {
        a.outcome = failure("connection_failed", curl_easy_strerror(rc));
        a.outcome.stops_import = true; // when no retry helped, the next files would fare no better
        a.retry = true;
        a.retry_after_s = -1;
        return a;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
        const auto json = nlohmann::json::parse(body, nullptr, false);
        if (!json.is_object() || !json.contains("id") || !json["id"].is_string()) {
            a.outcome =
                failure("bad_answer", "the server answered " + std::to_string(status) + " without an id", status);
            return a;
        }
        a.outcome.status = UploadOutcome::Status::uploaded;
        a.outcome.id = json["id"].get<std::string>();
        a.outcome.etag = json.value("etag", "");
        a.outcome.http_status = status;
        return a;
    }
    a.outcome = refusal(status, body);
    a.retry = status == 429 || status == 502 || status == 503 || status == 504;
    a.outcome.stops_import = status == 401 || status == 507; // a refused key, a full store
    return a;
}

} // namespace imgpipe::cli
