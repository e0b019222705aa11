#pragma once

#include "core/config.h"
#include "core/fetch/address_policy.h"
#include "core/metrics.h"
#include "core/storage/spool.h"

#include <memory>
#include <string>

namespace imgpipe {

struct Download {
    std::unique_ptr<Spool> spool; // finished: fsynced, MD5 computed
    std::string filename;         // last segment of the URL path
};

// Downloads a link upload with libcurl: http and https only, at most `max_redirects` hops, connect
// and total timeouts, a byte cap, and (unless allow_private_networks) a refusal to connect to any
// non-public address outside `allowed_networks`, checked on the socket curl is about to connect for every hop.
// Throws Error: bad_request (malformed URL), url_not_allowed, payload_too_large, fetch_failed.
// With a registry: imgpipe_fetch_seconds{result="ok"|"error"} (every fetch, refused ones
// included), imgpipe_fetch_bytes_total (bytes of the successful downloads) and
// imgpipe_timeouts_total{kind="fetch"} (links that did not answer in time).
class Fetcher {
public:
    Fetcher(const FetchConfig& config, uint64_t max_bytes, Metrics* metrics = nullptr);
    Download fetch(const std::string& url, const std::filesystem::path& temp_dir) const;

private:
    Download download(const std::string& url, const std::filesystem::path& temp_dir) const;

    FetchConfig config_;
    uint64_t max_bytes_;
    std::vector<Network> allowed_;
    Histogram* ok_ = nullptr;
    Histogram* failed_ = nullptr;
    Counter* bytes_ = nullptr;
    Counter* timeouts_ = nullptr;
};

std::string filename_from_url(const std::string& url);

} // namespace imgpipe
