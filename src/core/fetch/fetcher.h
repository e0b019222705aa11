#pragma once

#include "core/config.h"
#include "core/fetch/address_policy.h"
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
class Fetcher {
public:
    Fetcher(const FetchConfig& config, uint64_t max_bytes)
        : config_(config), max_bytes_(max_bytes), allowed_(parse_networks(config.allowed_networks)) {}
    Download fetch(const std::string& url, const std::filesystem::path& temp_dir) const;

private:
    FetchConfig config_;
    uint64_t max_bytes_;
    std::vector<Network> allowed_;
};

std::string filename_from_url(const std::string& url);

} // namespace imgpipe
