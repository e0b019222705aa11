#include "core/storage/s3_client.h"

#include "core/errors.h"
#include "core/hash.h"
#include "core/storage/s3_signer.h"
#include "core/text.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <cstdio>
#include <deque>
#include <random>
#include <thread>
#include <unistd.h>

namespace imgpipe {

namespace {

std::string lower_header_name(std::string_view line, std::string& value) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return {};
    value = std::string(trim(line.substr(colon + 1)));
    return to_lower(trim(line.substr(0, colon)));
}

size_t collect_header(char* data, size_t, size_t n, void* user) {
    std::string value;
    const std::string name = lower_header_name({data, n}, value);
    if (!name.empty()) (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    return n;
}

size_t collect_body(char* data, size_t, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, n);
    return n;
}

bool transient(CURLcode rc, long status) {
    return rc != CURLE_OK || status >= 500 || status == 429;
}

[[noreturn]] void unavailable(const char* what, CURLcode rc, long status) {
    spdlog::error("S3 {} failed: {}", what,
                  rc != CURLE_OK ? curl_easy_strerror(rc) : ("HTTP " + std::to_string(status)).c_str());
    throw Error(ErrorCode::storage_unavailable, "image storage is unavailable; try again shortly");
}

// The text of each <tag>...</tag> in `xml`, in order, entities decoded. S3's listing is flat and
// machine-written: no CDATA, no nested element of the same name.
std::vector<std::string> xml_values(std::string_view xml, std::string_view tag) {
    const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    std::vector<std::string> out;
    for (size_t at = xml.find(open); at != std::string_view::npos; at = xml.find(open, at)) {
        at += open.size();
        const size_t end = xml.find(close, at);
        if (end == std::string_view::npos) break;
        std::string value;
        for (size_t i = at; i < end; ++i) {
            bool decoded = false;
            for (const auto& [entity, ch] : kEntities) {
                if (xml.substr(i, entity.size()) == entity) {
                    value += ch;
                    i += entity.size() - 1;
                    decoded = true;
                    break;
                }
            }
            if (!decoded) value += xml[i];
        }
        out.push_back(std::move(value));
        at = end + close.size();
    }
    return out;
}

// The body of a GET, handed from curl's thread to the reader through a bounded buffer.
class StreamReader final : public BlobReader {
public:
    static constexpr size_t kMaxBuffered = 4 * 1024 * 1024;

    // Takes ownership of the handle and its header list. `expected`: 200, or 206 for a range. Adds
    // the connections it opens to `connections` (the client's count).
    StreamReader(CURL* curl, curl_slist* headers, uint64_t size, long expected,
                 std::atomic<uint64_t>& connections)
        : curl_(curl), headers_(headers), size_(size), expected_(expected) {
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
        thread_ = std::thread([this, &connections] {
            const CURLcode rc = curl_easy_perform(curl_);
            long status = 0, connects = 0;
            curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &connects);
            connections += static_cast<uint64_t>(connects);
            std::lock_guard lock(mutex_);
            failed_ = rc != CURLE_OK || status != expected_;
            if (failed_ && !cancelled_) {
                spdlog::error("S3 GET stream failed: {}", rc != CURLE_OK ? curl_easy_strerror(rc)
                                                                         : "HTTP " + std::to_string(status));
            }
            done_ = true;
            cv_.notify_all();
        });
    }
    ~StreamReader() override {
        {
            std::lock_guard lock(mutex_);
            cancelled_ = true;
            cv_.notify_all();
        }
        thread_.join();
        curl_easy_cleanup(curl_);
        curl_slist_free_all(headers_);
    }
    uint64_t size() const override { return size_; }
    size_t read(char* buf, size_t n) override {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return !chunks_.empty() || done_; });
        if (chunks_.empty()) {
            if (failed_ || delivered_ != size_) throw std::runtime_error("S3 stream ended early");
            return 0;
        }
        std::string& front = chunks_.front();
        const size_t take = std::min(n, front.size() - offset_);
        std::memcpy(buf, front.data() + offset_, take);
        offset_ += take;
        buffered_ -= take;
        delivered_ += take;
        if (offset_ == front.size()) {
            chunks_.pop_front();
            offset_ = 0;
        }
        cv_.notify_all();
        return take;
    }

private:
    static size_t on_data(char* data, size_t, size_t n, void* user) {
        auto* self = static_cast<StreamReader*>(user);
        long status = 0;
        curl_easy_getinfo(self->curl_, CURLINFO_RESPONSE_CODE, &status);
        if (status != self->expected_) return 0; // an error body: abort, the reader sees a failure
        std::unique_lock lock(self->mutex_);
        self->cv_.wait(lock, [self] { return self->buffered_ < kMaxBuffered || self->cancelled_; });
        if (self->cancelled_) return 0;
        self->chunks_.emplace_back(data, n);
        self->buffered_ += n;
        self->cv_.notify_all();
        return n;
    }

    CURL* curl_;
    curl_slist* headers_;
    uint64_t size_;
    long expected_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::string> chunks_;
    size_t offset_ = 0;
    size_t buffered_ = 0;
    uint64_t delivered_ = 0;
    bool done_ = false;
    bool failed_ = false;
    bool cancelled_ = false;
};

std::string base64(std::string_view raw) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < raw.size(); i += 3) {
        const uint32_t v = (uint32_t(uint8_t(raw[i])) << 16) | (uint32_t(uint8_t(raw[i + 1])) << 8) |
                           uint32_t(uint8_t(raw[i + 2]));
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < raw.size()) {
        uint32_t v = uint32_t(uint8_t(raw[i])) << 16;
        if (i + 1 < raw.size()) v |= uint32_t(uint8_t(raw[i + 1])) << 8;
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += i + 1 < raw.size() ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string hex_to_raw(const std::string& hex) {
    std::string raw;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return raw;
}

} // namespace

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
    std::string scheme = "https", host = "s3." + config_.region + ".amazonaws.com", port;
    if (!config_.endpoint.empty()) {
        std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
        char *s = nullptr, *h = nullptr, *p = nullptr;
        if (curl_url_set(u.get(), CURLUPART_URL, config_.endpoint.c_str(), 0) != CURLUE_OK ||
            curl_url_get(u.get(), CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
            curl_url_get(u.get(), CURLUPART_HOST, &h, 0) != CURLUE_OK) {
            throw std::invalid_argument("S3 endpoint is not a URL: " + config_.endpoint);
        }
        scheme = s;
        host = h;
        if (curl_url_get(u.get(), CURLUPART_PORT, &p, 0) == CURLUE_OK) port = p;
        curl_free(s);
        curl_free(h);
        curl_free(p);
    }
    if (!config_.path_style) host = config_.bucket + "." + host;
    host_ = port.empty() ? host : host + ":" + port;
    scheme_host_ = scheme + "://" + host_;
    sigv4_ = "aws:amz:" + config_.region + ":s3";
    userpwd_ = config_.access_key + ":" + config_.secret_key;

    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC,
                      +[](CURL*, curl_lock_data data, curl_lock_access, void* user) {
                          static_cast<S3Client*>(user)->share_locks_[data].lock();
                      });
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data data, void* user) {
        static_cast<S3Client*>(user)->share_locks_[data].unlock();
    });
}

S3Client::~S3Client() { curl_share_cleanup(share_); }

std::string S3Client::path_for(const std::string& key) const {
    std::string path = config_.path_style ? "/" + aws_uri_encode(config_.bucket, false) : "";
    return path + "/" + aws_uri_encode(key, true);
}

CURL* S3Client::new_handle(const std::string& path) const {
    CURL* c = curl_easy_init();
    const std::string url = scheme_host_ + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_SHARE, share_);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd_.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_ms));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout_ms));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    return c;
}

template <class Setup>
S3Client::Reply S3Client::perform(const std::string& path, const char* what, Setup&& setup) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    CURLcode rc = CURLE_OK;
    long status = 0;
    for (int attempt = 1;; ++attempt) {
        Reply reply;
        std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(new_handle(path), curl_easy_cleanup);
        std::vector<std::string> headers;
        curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, collect_header);
        curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &reply.headers);
        curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, collect_body);
        curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &reply.body);
        setup(c.get(), headers);
        if (!config_.session_token.empty()) headers.push_back("x-amz-security-token: " + config_.session_token);
        curl_slist* list = nullptr;
        for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
        curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, list);
        rc = curl_easy_perform(c.get());
        curl_slist_free_all(list);
        status = 0;
        curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
        long connects = 0;
        curl_easy_getinfo(c.get(), CURLINFO_NUM_CONNECTS, &connects);
        new_connections_ += static_cast<uint64_t>(connects);
        reply.status = status;
        if (!transient(rc, status)) return reply;
        if (attempt >= config_.attempts) break;
        // Full jitter around an exponential step: retries of many clients do not line up.
        const int step = config_.backoff_ms << std::min(attempt - 1, 6);
        std::uniform_int_distribution<int> jitter(step / 2, step + step / 2);
        spdlog::warn("S3 {} attempt {} failed ({}); retrying", what, attempt,
                     rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(status));
        std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    }
    unavailable(what, rc, status);
}

namespace {
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}

S3Client::Reply S3Client::head_bucket() {
    return perform(config_.path_style ? "/" + aws_uri_encode(config_.bucket, false) : "/", "HEAD bucket",
                   [](CURL* c, std::vector<std::string>& h) {
                       curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
                       h.push_back("x-amz-content-sha256: " + kEmptySha256);
                   });
}

S3Client::Reply S3Client::head(const std::string& key) {
    return perform(path_for(key), "HEAD", [](CURL* c, std::vector<std::string>& h) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        h.push_back("x-amz-content-sha256: " + kEmptySha256);
    });
}

S3Client::Reply S3Client::put_bytes(const std::string& key, std::string_view bytes,
                                    const std::vector<std::string>& extra) {
    const std::string sha = sha256_hex(bytes);
    const std::string md5 = base64(hex_to_raw(md5_hex(bytes)));
    return perform(path_for(key), "PUT", [&](CURL* c, std::vector<std::string>& h) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, bytes.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(bytes.size()));
        h = extra;
        h.push_back("x-amz-content-sha256: " + sha);
        h.push_back("Content-MD5: " + md5);
    });
}

S3Client::Reply S3Client::put_file(const std::string& key, const std::filesystem::path& file,
                                   const std::vector<std::string>& extra, const std::string& file_md5_hex) {
    std::unique_ptr<FILE, decltype(&std::fclose)> f(nullptr, std::fclose);
    const auto size = std::filesystem::file_size(file);
    const std::string md5 = base64(hex_to_raw(file_md5_hex));
    return perform(path_for(key), "PUT", [&](CURL* c, std::vector<std::string>& h) {
        f.reset(std::fopen(file.c_str(), "rb")); // again on every attempt: from the start
        if (!f) throw std::runtime_error("cannot open " + file.string());
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READDATA, f.get());
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
        h = extra;
        h.push_back("x-amz-content-sha256: UNSIGNED-PAYLOAD");
        h.push_back("Content-MD5: " + md5);
    });
}

S3Client::Reply S3Client::get_to_fd(const std::string& key, int fd) {
    return perform(path_for(key), "GET", [fd](CURL* c, std::vector<std::string>& h) {
        if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
            throw std::runtime_error("cannot rewind download file");
        }
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char* data, size_t, size_t n, void* user) -> size_t {
            const int out = static_cast<int>(reinterpret_cast<intptr_t>(user));
            size_t done = 0;
            while (done < n) {
                const ssize_t w = ::write(out, data + done, n - done);
                if (w <= 0) return 0;
                done += static_cast<size_t>(w);
            }
            return n;
        });
        curl_easy_setopt(c, CURLOPT_WRITEDATA, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
        h.push_back("x-amz-content-sha256: " + kEmptySha256);
    });
}

S3Client::Reply S3Client::del(const std::string& key) {
    return perform(path_for(key), "DELETE", [](CURL* c, std::vector<std::string>& h) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
        h.push_back("x-amz-content-sha256: " + kEmptySha256);
    });
}

S3Client::Listing S3Client::list(const std::string& prefix, const std::string& delimiter,
                                  const std::string& start_after, const std::string& continuation) {
    // Names in byte order, as SigV4 canonicalises them; values encoded as AWS canonicalises them
    // ('/' too: prefix=a%2F). curl 7.88 signs the query as written, so it must be written in that
    // canonical form.
    std::string query;
    auto param = [&query](const char* name, const std::string& value) {
        if (value.empty()) return;
        query += (query.empty() ? "?" : "&") + std::string(name) + "=" + aws_uri_encode(value, false);
    };
    param("continuation-token", continuation);
    param("delimiter", delimiter);
    param("encoding-type", "url");
    param("list-type", "2");
    param("prefix", prefix);
    param("start-after", start_after);
    const std::string bucket = config_.path_style ? "/" + aws_uri_encode(config_.bucket, false) : "";
    const Reply r = perform(bucket + "/" + query, "LIST", [](CURL*, std::vector<std::string>& h) {
        h.push_back("x-amz-content-sha256: " + kEmptySha256);
    });
    if (r.status != 200) {
        spdlog::error("S3 LIST of {} answered HTTP {}: {}", prefix, r.status, r.body.substr(0, 300));
        throw Error(ErrorCode::storage_unavailable, "image storage is unavailable; try again shortly");
    }
    Listing out;
    for (const std::string& contents : xml_values(r.body, "Contents")) {
        const auto key = xml_values(contents, "Key");
        const auto modified = xml_values(contents, "LastModified");
        const auto size = xml_values(contents, "Size");
        if (key.empty()) continue;
        out.keys.push_back(Listed{percent_decode(key[0]), modified.empty() ? "" : modified[0],
                                  size.empty() ? 0 : std::stoull("0" + size[0])});
    }
    const auto truncated = xml_values(r.body, "IsTruncated");
    const auto next = xml_values(r.body, "NextContinuationToken");
    if (!truncated.empty() && truncated[0] == "true" && !next.empty()) out.continuation = next[0];
    return out;
}

S3Client::Reply S3Client::get_bytes(const std::string& key) {
    return perform(path_for(key), "GET", [](CURL*, std::vector<std::string>& h) {
        h.push_back("x-amz-content-sha256: " + kEmptySha256);
    });
}

std::unique_ptr<BlobReader> S3Client::get_stream(const std::string& key, uint64_t first, uint64_t length,
                                                 uint64_t size) {
    CURL* c = new_handle(path_for(key));
    const bool part = first != 0 || length != size;
    if (part) {
        const std::string range = std::to_string(first) + "-" + std::to_string(first + length - 1);
        curl_easy_setopt(c, CURLOPT_RANGE, range.c_str()); // copied by curl
    }
    curl_slist* headers = curl_slist_append(nullptr, ("x-amz-content-sha256: " + kEmptySha256).c_str());
    if (!config_.session_token.empty()) {
        headers = curl_slist_append(headers, ("x-amz-security-token: " + config_.session_token).c_str());
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    return std::make_unique<StreamReader>(c, headers, length, part ? 206 : 200, new_connections_);
}

std::string S3Client::presigned_get(const std::string& key, int expires_s, int64_t now_unix) const {
    PresignInput in;
    in.scheme_host = scheme_host_;
    in.host = host_;
    in.canonical_uri = path_for(key);
    in.region = config_.region;
    in.access_key = config_.access_key;
    in.secret_key = config_.secret_key;
    in.session_token = config_.session_token;
    in.now_unix = now_unix;
    in.expires_s = expires_s;
    return presign_get(in);
}

bool parse_s3_uri(const std::string& uri, std::string& bucket, std::string& prefix) {
    if (uri.rfind("s3://", 0) != 0) return false;
    const std::string rest = uri.substr(5);
    const auto slash = rest.find('/');
    bucket = rest.substr(0, slash);
    prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    if (bucket.size() < 3 || bucket.size() > 63) return false;
    for (char c : bucket) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
    }
    return true;
}

} // namespace imgpipe
