#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sluice {

// The DNS messages an untrusted IPv4 or IPv6 packet carries from source port 53: the UDP
// payload, or each length-prefixed message of a TCP segment (RFC 1035 4.2.2; a message
// running past the segment is returned cut short, and the parser keeps what fits). Packets
// from other ports, later fragments and IPv6 packets with extension headers give nothing
// (the capture filter lets none of them through either). The spans point into `packet`.
// Pure and thread-safe; never reads outside `packet`.
std::vector<std::span<const std::uint8_t>> dns_payloads_of_packet(
    std::span<const std::uint8_t> packet);

}  // namespace sluice
