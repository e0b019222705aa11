#pragma once

#include <string>

namespace imgpipe {

// Where and how to reach an S3-compatible bucket. Filled from IMGPIPE_STORAGE=s3://bucket[/prefix],
// IMGPIPE_S3_* and the standard AWS_* variables by the command line layer.
struct S3Config {
    std::string bucket;
    std::string prefix;   // "" or ending in '/': keys are <prefix><id>
    std::string endpoint; // "http://127.0.0.1:5000"; empty: https://s3.<region>.amazonaws.com
    std::string region; // empty: us-east-1
    bool path_style = true; // <endpoint>/<bucket>/<key>; false: <bucket>.<host>/<key>
    std::string access_key;
    std::string secret_key;
    std::string session_token;
    int connect_timeout_ms = 3000;
    int request_timeout_ms = 30000; // one attempt of one request
    int attempts = 4;               // for idempotent requests that time out or get a 5xx
    int backoff_ms = 100;           // first retry waits ~this (jittered), doubling each time
};

// Parses "s3://bucket" or "s3://bucket/some/prefix" into bucket and prefix ("some/prefix/").
// Returns false if `uri` is not an s3:// URI with a valid bucket name.
bool parse_s3_uri(const std::string& uri, std::string& bucket, std::string& prefix);

} // namespace imgpipe
