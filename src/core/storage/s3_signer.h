#pragma once

#include <cstdint>
#include <string>

namespace imgpipe {

// AWS Signature Version 4 query signing for presigned GET URLs, as botocore's
// generate_presigned_url produces them (the tests compare the two byte for byte).
struct PresignInput {
    std::string scheme_host;   // "http://127.0.0.1:5000" (the port only when not the default)
    std::string host;          // the Host header value: "127.0.0.1:5000"
    std::string canonical_uri; // already percent-encoded path: "/bucket/key%7Cx"
    std::string region;
    std::string access_key;
    std::string secret_key;
    std::string session_token;
    int64_t now_unix = 0;
    int expires_s = 3600;
};

std::string presign_get(const PresignInput& in);

// "20261128T001122Z" and "20261128"
std::string amz_date(int64_t unix_time);

// Percent-encodes as SigV4 requires: everything but A-Z a-z 0-9 - _ . ~ (and '/' when
// keep_slash), upper-case hex.
std::string aws_uri_encode(const std::string& s, bool keep_slash);

} // namespace imgpipe
