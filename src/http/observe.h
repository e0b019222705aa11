#pragma once

#include "core/metrics.h"
#include "http/router.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgpipe::http {

// One request, from its headers to the last byte of its answer: what the access log line and the
// request metrics are made of.
struct Exchange {
    const RouteSpec* spec = nullptr; // null until the route is known
    std::string allow;               // the Allow header of a 405
    std::string request_id;
    std::string method, target, remote;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    uint64_t bytes_in = 0, bytes_out = 0; // bodies only
    int status = 0;
    std::string outcome; // what happened: stored, created, coalesced, not_modified, or an error code
};

// Counts every request in the registry and writes its access log line.
class RequestObserver {
public:
    explicit RequestObserver(Metrics& metrics);
    void begin() { in_flight_.add(1); }
    void end(const Exchange& ex);
    int in_flight() const { return static_cast<int>(in_flight_.value()); }

private:
    // A route's series, looked up in the registry once (the route table is fixed): counting a
    // request is then array indexing, not a locked map look-up with labels rendered.
    struct RouteSeries {
        Histogram* duration = nullptr;
        Counter* by_class[6] = {}; // 1xx .. 5xx, other
    };
    RouteSeries series(Metrics& metrics, std::string_view route);

    std::vector<RouteSeries> routes_; // by index in routes(), then one for unmatched requests
    Gauge& in_flight_;
    Counter& bytes_in_;
    Counter& bytes_out_;
};

// The client's X-Request-Id when it is sane (1-128 characters of letters, digits and "-_.:"),
// else a new one; it is returned on every answer, in every error body and in the log line.
std::string request_id(std::string_view from_client);

// The request target for the log: the values of query parameters that grant access (signature,
// sig, keys, tokens, presigned-S3 credentials) replaced by "REDACTED".
std::string redact_target(std::string_view target);

} // namespace imgpipe::http
