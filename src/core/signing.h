#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace imgpipe {

// Time-limited links: HMAC-SHA256 over "<path>\n<expires>" with the server secret, like a presigned
// S3 URL but served by imgpipe itself.
class UrlSigner {
public:
    explicit UrlSigner(std::string secret) : secret_(std::move(secret)) {}

    // Returns "<path>?expires=<unix>&signature=<hex>".
    std::string sign(std::string_view path, int64_t expires_unix) const;
    // True if the signature matches and `now` is not past `expires`.
    bool verify(std::string_view path, std::string_view expires, std::string_view signature,
                int64_t now_unix) const;

private:
    std::string signature(std::string_view path, std::string_view expires) const;
    std::string secret_;
};

// Loads <data_dir>/secret, creating it with 32 random bytes (hex) on first run.
std::string load_or_create_secret(const std::string& data_dir);

} // namespace imgpipe
