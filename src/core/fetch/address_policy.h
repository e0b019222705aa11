#pragma once

#include <string_view>
#include <vector>

#include <sys/socket.h>

namespace imgpipe {

// True for addresses a link upload may connect to by default: not loopback, private (RFC 1918,
// IPv6 ULA), link-local, CGNAT (100.64/10), multicast, unspecified, broadcast or otherwise reserved,
// for IPv4, IPv6, and IPv4 inside IPv6 (mapped ::ffff:a.b.c.d, compatible, NAT64 64:ff9b::/96).
bool is_public_address(const sockaddr* addr);

// A network an operator lets link uploads reach although it is not public (an internal image
// origin, say), as "10.1.2.0/24" or "fd00::/8".
struct Network {
    int family = 0;            // AF_INET or AF_INET6
    unsigned char bytes[16]{}; // the address, network byte order
    int prefix = 0;            // bits that must match
};
// "a/n, b/m" -> networks; throws std::invalid_argument naming a malformed entry.
std::vector<Network> parse_networks(std::string_view list);
bool in_networks(const sockaddr* addr, const std::vector<Network>& networks);

} // namespace imgpipe
