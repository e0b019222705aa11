#pragma once

#include "core/storage/s3_config.h"
#include "core/storage/storage.h"

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace imgpipe {

// A small S3 REST client on libcurl: SigV4 through CURLOPT_AWS_SIGV4, connections shared and
// reused across requests (a curl share handle), retries with jittered exponential backoff for
// timeouts, connection failures and 5xx. Keys are given unencoded; each path segment is
// percent-encoded here.
class S3Client {
public:
    struct Reply {
        long status = 0;
        std::map<std::string, std::string> headers; // names lower-cased
        std::string body;
    };

    explicit S3Client(S3Config config);
    ~S3Client();
    S3Client(const S3Client&) = delete;
    S3Client& operator=(const S3Client&) = delete;

    // Each returns the reply of the last attempt; throws Error(storage_unavailable) when every
    // attempt failed at the transport level or with a 5xx.
    Reply head_bucket();
    Reply head(const std::string& key);
    Reply put_bytes(const std::string& key, std::string_view bytes,
                    const std::vector<std::string>& headers);
    // Streams the file from disk (UNSIGNED-PAYLOAD); its MD5 (hex) goes as Content-MD5, so that S3
    // still checks the bytes.
    Reply put_file(const std::string& key, const std::filesystem::path& file,
                   const std::vector<std::string>& headers, const std::string& file_md5_hex);
    // Downloads into `fd` (truncated and rewritten on each attempt).
    Reply get_to_fd(const std::string& key, int fd);
    Reply del(const std::string& key);
    // One page of ListObjectsV2 (at most 1000 keys): the keys under `prefix` after `start_after`,
    // with `delimiter` grouping deeper keys into prefixes that are not listed. Keys come whole
    // (sent with encoding-type=url, decoded here).
    struct Listed {
        std::string key;
        std::string last_modified; // ISO 8601, as S3 writes it: 2026-12-02T08:15:39.000Z
        uint64_t size = 0;
    };
    struct Listing {
        std::vector<Listed> keys;
        std::string continuation; // non-empty: pass it back for the next page
    };
    Listing list(const std::string& prefix, const std::string& delimiter, const std::string& start_after,
                 const std::string& continuation);
    // A small object's bytes in Reply::body.
    Reply get_bytes(const std::string& key);
    // Streams `length` bytes of the object (of `size` bytes) from byte `first`: a GET (with a Range
    // unless that is all of it) on its own thread feeding a bounded buffer.
    std::unique_ptr<BlobReader> get_stream(const std::string& key, uint64_t first, uint64_t length, uint64_t size);

    std::string presigned_get(const std::string& key, int expires_s, int64_t now_unix) const;
    const S3Config& config() const { return config_; }
    // Connections opened so far (requests on reused connections add nothing).
    uint64_t new_connections() const { return new_connections_.load(); }

private:
    std::string path_for(const std::string& key) const; // "/bucket/enc%20key" or "/enc%20key"
    CURL* new_handle(const std::string& path) const;
    template <class Setup>
    Reply perform(const std::string& path, const char* what, Setup&& setup);

    S3Config config_;
    std::string scheme_host_; // "http://127.0.0.1:5000"
    std::string host_;        // "127.0.0.1:5000" or "bucket.s3.us-east-1.amazonaws.com"
    std::string sigv4_;       // "aws:amz:<region>:s3"
    std::string userpwd_;
    CURLSH* share_ = nullptr;
    std::atomic<uint64_t> new_connections_{0};
    std::mutex share_locks_[CURL_LOCK_DATA_LAST];
};

} // namespace imgpipe
