#include "core/fetch/address_policy.h"

#include <arpa/inet.h>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <netinet/in.h>

namespace imgpipe {

namespace {

bool is_public_v4(uint32_t a) { // host byte order
    auto in = [a](uint32_t net, int bits) {
        const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
        return (a & mask) == net;
    };
    return !(in(0x00000000, 8)       // 0.0.0.0/8 "this network", unspecified
             || in(0x0a000000, 8)    // 10/8
             || in(0x64400000, 10)   // 100.64/10 CGNAT
             || in(0x7f000000, 8)    // 127/8 loopback
             || in(0xa9fe0000, 16)   // 169.254/16 link-local (cloud metadata)
             || in(0xac100000, 12)   // 172.16/12
             || in(0xc0000000, 24)   // 192.0.0/24 IETF protocol assignments
             || in(0xc0000200, 24)   // 192.0.2/24 TEST-NET-1
             || in(0xc0a80000, 16)   // 192.168/16
             || in(0xc6120000, 15)   // 198.18/15 benchmarking
             || in(0xc6336400, 24)   // 198.51.100/24 TEST-NET-2
             || in(0xcb007100, 24)   // 203.0.113/24 TEST-NET-3
             || in(0xe0000000, 4)    // 224/4 multicast
             || in(0xf0000000, 4));  // 240/4 reserved and 255.255.255.255 broadcast
}

bool is_public_v6(const in6_addr& a) {
    const uint8_t* b = a.s6_addr;
    auto v4_at = [b](int offset) {
        return (uint32_t{b[offset]} << 24) | (uint32_t{b[offset + 1]} << 16) |
               (uint32_t{b[offset + 2]} << 8) | uint32_t{b[offset + 3]};
    };
    static constexpr uint8_t zeros[12] = {};
    static constexpr uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static constexpr uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (std::memcmp(b, mapped, 12) == 0 || std::memcmp(b, nat64, 12) == 0) {
        return is_public_v4(v4_at(12));
    }
    if (std::memcmp(b, zeros, 12) == 0) return false; // ::, ::1 and IPv4-compatible ::a.b.c.d
    if (b[0] == 0xff) return false;                   // ff00::/8 multicast
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false; // fe80::/10 link-local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false; // fec0::/10 site-local
    if ((b[0] & 0xfe) == 0xfc) return false;                 // fc00::/7 unique local
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false; // docs
    if (b[0] == 0x20 && b[1] == 0x02) return is_public_v4(v4_at(2)); // 6to4 embeds an IPv4
    if (b[0] == 0x01 && b[1] == 0x00 && std::memcmp(b + 2, zeros, 6) == 0) return false; // discard
    return true;
}

} // namespace

bool is_public_address(const sockaddr* addr) {
    if (addr->sa_family == AF_INET) {
        return is_public_v4(ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr));
    }
    if (addr->sa_family == AF_INET6) {
        return is_public_v6(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr);
    }
    return false;
}

std::vector<Network> parse_networks(std::string_view list) {
    std::vector<Network> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string entry(list.substr(0, comma));
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
        entry.erase(0, entry.find_first_not_of(' '));
        entry.erase(entry.find_last_not_of(' ') + 1);
        if (entry.empty()) continue;
        Network n;
        const auto slash = entry.find('/');
        const std::string address = entry.substr(0, slash);
        n.family = address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
        const int max_bits = n.family == AF_INET ? 32 : 128;
        n.prefix = max_bits;
        bool ok = ::inet_pton(n.family, address.c_str(), n.bytes) == 1;
        if (ok && slash != std::string::npos) {
            const std::string bits = entry.substr(slash + 1);
            ok = !bits.empty() && bits.size() <= 3 &&
                 bits.find_first_not_of("0123456789") == std::string::npos && std::stoi(bits) <= max_bits;
            if (ok) n.prefix = std::stoi(bits);
        }
        if (!ok) throw std::invalid_argument("not a network (address/bits): " + entry);
        out.push_back(n);
    }
    return out;
}

bool in_networks(const sockaddr* addr, const std::vector<Network>& networks) {
    const unsigned char* bytes = nullptr;
    if (addr->sa_family == AF_INET) {
        bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(addr)->sin_addr);
    } else if (addr->sa_family == AF_INET6) {
        bytes = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr.s6_addr;
    } else {
        return false;
    }
    for (const auto& n : networks) {
        if (n.family != addr->sa_family) continue;
        const int whole = n.prefix / 8, rest = n.prefix % 8;
        if (std::memcmp(bytes, n.bytes, whole) != 0) continue;
        const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
        if (rest == 0 || ((bytes[whole] ^ n.bytes[whole]) & mask) == 0) return true;
    }
    return false;
}

} // namespace imgpipe
