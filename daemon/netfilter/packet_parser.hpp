#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rules/action.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

// The header fields of one IPv4 or IPv6 packet that the verdict pipeline looks at.
struct PacketHeaders {
    std::uint8_t ip_version = 0;           // 4 or 6
    std::uint8_t protocol_number = 0;      // L4 protocol after IPv6 extension headers
    Protocol protocol = Protocol::kOther;  // protocol_number when sluice knows it
    // IPv4 addresses come out IPv4-mapped (IpAddress::is_v4()). An IPv6 packet carrying an
    // IPv4-mapped address also reads as is_v4(); ip_version tells the family on the wire.
    IpAddress source;
    IpAddress destination;
    std::uint16_t source_port = 0;  // TCP, UDP, UDP-Lite, SCTP, DCCP; 0 otherwise
    std::uint16_t destination_port = 0;
    std::uint8_t icmp_type = 0;  // ICMP and ICMPv6 only
    std::uint8_t icmp_code = 0;
    std::uint8_t tcp_flags = 0;  // CWR..FIN (byte 13 of the TCP header)
    bool is_fragment = false;    // non-first fragment: no L4 header, ports stay 0
};

enum class ParseError : std::uint8_t {
    kTooShort,                 // fewer bytes than the fixed IP header (or IPv4 options) need
    kBadVersion,               // version nibble neither 4 nor 6
    kBadHeaderLength,          // IPv4 IHL below 5, or total length shorter than the header
    kTruncatedTransport,       // an IPv6 extension header or the L4 header is cut short
    kTooManyExtensionHeaders,  // more IPv6 extension headers than kMaxIpv6ExtensionHeaders
};

std::string_view to_string(ParseError error);

// Extension headers walked before giving up: real traffic has one or two, and the limit bounds
// the work an attacker's packet can cause.
inline constexpr int kMaxIpv6ExtensionHeaders = 8;

// Parses the IP and transport headers of an untrusted packet in place. `bytes` may be cut
// short by the queue's copy range: only the headers must be present, and the length fields
// are believed only where they shrink the packet. On failure returns nullopt and, when `why`
// is not null, stores the reason there. Pure and thread-safe; never reads outside `bytes`.
std::optional<PacketHeaders> parse_packet(std::span<const std::uint8_t> bytes,
                                          ParseError* why = nullptr) noexcept;

}  // namespace sluice
