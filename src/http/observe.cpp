#include "http/observe.h"

#include "core/log.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <cctype>
#include <random>

namespace imgpipe::http {

namespace {

constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

size_t status_class(int status) { return status < 100 || status > 599 ? 5 : static_cast<size_t>(status / 100 - 1); }

bool grants_access(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view secret : {"signature", "sig", "key", "token", "secret", "password", "credential"}) {
        if (lower.find(secret) != std::string::npos) return true;
    }
    return false;
}

} // namespace

RequestObserver::RouteSeries RequestObserver::series(Metrics& metrics, std::string_view route) {
    RouteSeries s;
    s.duration = &metrics.histogram("imgpipe_http_request_duration_seconds",
                                    "From the request's headers to the last byte of the answer, by route.",
                                    kLatencyBuckets, {{"route", std::string(route)}});
    for (size_t c = 0; c < std::size(kClasses); ++c) {
        s.by_class[c] = &metrics.counter("imgpipe_http_requests_total", "Requests answered, by route and status class.",
                                         {{"route", std::string(route)}, {"code", kClasses[c]}});
    }
    return s;
}

RequestObserver::RequestObserver(Metrics& metrics)
    : in_flight_(metrics.gauge("imgpipe_http_requests_in_flight", "Requests being read, handled or answered.")),
      bytes_in_(metrics.counter("imgpipe_http_received_bytes_total", "Request body bytes received.")),
      bytes_out_(metrics.counter("imgpipe_http_sent_bytes_total", "Response body bytes sent.")) {
    for (const RouteSpec& spec : routes()) routes_.push_back(series(metrics, spec.name));
    routes_.push_back(series(metrics, "unmatched"));
}

void RequestObserver::end(const Exchange& ex) {
    in_flight_.add(-1);
    const std::string_view route = ex.spec ? ex.spec->name : "unmatched";
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.start).count();
    const RouteSeries& s = routes_[ex.spec ? static_cast<size_t>(ex.spec - routes().data()) : routes_.size() - 1];
    s.by_class[status_class(ex.status)]->inc();
    s.duration->observe(seconds);
    bytes_in_.inc(ex.bytes_in);
    bytes_out_.inc(ex.bytes_out);
    LogLine line(spdlog::level::info, "request");
    if (!line.enabled()) return;
    line.add("request_id", ex.request_id)
        .add("remote", ex.remote)
        .add("method", ex.method)
        .add("path", redact_target(ex.target))
        .add("route", route)
        .add("status", ex.status)
        .add("outcome", !ex.outcome.empty() ? std::string_view(ex.outcome) : ex.status < 400 ? "ok" : "error")
        .add("bytes_in", static_cast<uint64_t>(ex.bytes_in))
        .add("bytes_out", static_cast<uint64_t>(ex.bytes_out))
        .add("duration_ms", static_cast<double>(static_cast<int64_t>(seconds * 10000)) / 10)
        .write();
}

std::string request_id(std::string_view from_client) {
    const bool sane = !from_client.empty() && from_client.size() <= 128 &&
                      std::all_of(from_client.begin(), from_client.end(), [](unsigned char c) {
                          return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
                      });
    if (sane) return std::string(from_client);
    // A random prefix per process and a counter: unique across restarts and nodes, no lock, no
    // syscall per request.
    static const std::string prefix = [] {
        std::random_device rd;
        char buf[17];
        std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
        return std::string(buf);
    }();
    static std::atomic<uint64_t> next{0};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s-%08llx", prefix.c_str(),
                  static_cast<unsigned long long>(next.fetch_add(1, std::memory_order_relaxed)));
    return buf;
}

std::string redact_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, q + 1));
    std::string_view query = target.substr(q + 1);
    bool first = true;
    while (true) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (!first) out += '&';
        first = false;
        if (eq != std::string_view::npos && grants_access(pair.substr(0, eq))) {
            out += std::string(pair.substr(0, eq)) + "=REDACTED";
        } else {
            out += pair;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

} // namespace imgpipe::http
