#pragma once

#include <sys/socket.h>

namespace imgpipe {

// True for addresses a link upload may connect to by default: not loopback, private (RFC 1918,
// IPv6 ULA), link-local, CGNAT (100.64/10), multicast, unspecified, broadcast or otherwise reserved,
// for IPv4, IPv6, and IPv4 inside IPv6 (mapped ::ffff:a.b.c.d, compatible, NAT64 64:ff9b::/96).
bool is_public_address(const sockaddr* addr);

} // namespace imgpipe
