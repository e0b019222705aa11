#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace imgpipe {

// Incremental MD5, for the S3-style etag computed while bytes stream in.
class Md5 {
public:
    Md5();
    void update(std::string_view data);
    std::string hex(); // finishes the digest
private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string md5_hex(std::string_view data);
// An MD5 in hex as the strong ETag of the bytes it digests: in double quotes.
std::string quoted_etag(std::string_view hex);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data); // raw 32 bytes
std::string to_hex(std::string_view bytes);
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace imgpipe
