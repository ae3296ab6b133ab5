#include "daemon/attribution/dns_packet_payload.hpp"

#include <algorithm>

namespace sluice {

namespace {

constexpr std::uint8_t kProtocolTcp = 6;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint16_t kDnsPort = 53;
constexpr std::size_t kIpv6HeaderBytes = 40;
constexpr std::size_t kUdpHeaderBytes = 8;
constexpr std::size_t kTcpHeaderBytes = 20;
// A TCP segment of a few KiB holds a handful of messages at most; this bounds the work.
constexpr std::size_t kMaxMessagesPerSegment = 64;

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

void add_transport_payloads(std::uint8_t protocol, std::span<const std::uint8_t> segment,
                            std::vector<std::span<const std::uint8_t>>& payloads) {
    if (protocol == kProtocolUdp) {
        if (segment.size() < kUdpHeaderBytes || read_u16(segment, 0) != kDnsPort) {
            return;
        }
        // The UDP length is believed only where it shrinks the datagram.
        const std::size_t length =
            std::clamp<std::size_t>(read_u16(segment, 4), kUdpHeaderBytes, segment.size());
        payloads.push_back(segment.subspan(kUdpHeaderBytes, length - kUdpHeaderBytes));
        return;
    }
    if (protocol != kProtocolTcp || segment.size() < kTcpHeaderBytes ||
        read_u16(segment, 0) != kDnsPort) {
        return;
    }
    const std::size_t header_length = static_cast<std::size_t>(segment[12] >> 4) * 4;
    if (header_length < kTcpHeaderBytes || header_length > segment.size()) {
        return;
    }
    auto stream = segment.subspan(header_length);
    for (std::size_t i = 0; i < kMaxMessagesPerSegment && stream.size() > 2; ++i) {
        const std::size_t length = read_u16(stream, 0);
        const std::size_t available = std::min(length, stream.size() - 2);
        payloads.push_back(stream.subspan(2, available));
        stream = stream.subspan(2 + available);
    }
}

}  // namespace

std::vector<std::span<const std::uint8_t>> dns_payloads_of_packet(
    std::span<const std::uint8_t> packet) {
    std::vector<std::span<const std::uint8_t>> payloads;
    if (packet.empty()) {
        return payloads;
    }
    const unsigned version = packet[0] >> 4;
    if (version == 4) {
        if (packet.size() < 20) {
            return payloads;
        }
        const std::size_t header_length = static_cast<std::size_t>(packet[0] & 0x0F) * 4;
        const std::size_t total_length = read_u16(packet, 2);
        const bool later_fragment = (read_u16(packet, 6) & 0x1FFF) != 0;
        if (header_length < 20 || total_length < header_length || later_fragment) {
            return payloads;
        }
        const std::size_t end = std::min(total_length, packet.size());
        if (header_length > end) {
            return payloads;
        }
        add_transport_payloads(packet[9], packet.subspan(header_length, end - header_length),
                               payloads);
    } else if (version == 6) {
        if (packet.size() < kIpv6HeaderBytes) {
            return payloads;
        }
        const std::size_t end = std::min(kIpv6HeaderBytes + read_u16(packet, 4), packet.size());
        add_transport_payloads(packet[6], packet.subspan(kIpv6HeaderBytes, end - kIpv6HeaderBytes),
                               payloads);
    }
    return payloads;
}

}  // namespace sluice
