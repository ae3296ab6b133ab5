#include "daemon/netfilter/packet_parser.hpp"

#include <algorithm>
#include <cstring>

namespace sluice {

namespace {

constexpr std::size_t kIpv4MinimumHeaderBytes = 20;
constexpr std::size_t kIpv6HeaderBytes = 40;
constexpr std::size_t kIpv6FragmentHeaderBytes = 8;

// IANA protocol numbers; Protocol (rules/action.hpp) names only those rules can match on.
constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kDccp = 33;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kFragment = 44;
constexpr std::uint8_t kAuthentication = 51;
constexpr std::uint8_t kIcmpV6 = 58;
constexpr std::uint8_t kDestinationOptions = 60;
constexpr std::uint8_t kSctp = 132;
constexpr std::uint8_t kUdpLite = 136;

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

std::optional<PacketHeaders> fail(ParseError error, ParseError* why) {
    if (why != nullptr) {
        *why = error;
    }
    return std::nullopt;
}

// Fixed header bytes a protocol needs before its fields can be read; 0 when sluice reads none.
std::size_t transport_header_bytes(std::uint8_t protocol) {
    switch (protocol) {
        case kTcp:
            return 20;
        case kUdp:
        case kUdpLite:
        case kIcmp:
        case kIcmpV6:
            return 8;
        case kSctp:
        case kDccp:
            return 12;
        default:
            return 0;
    }
}

// `transport` is the L4 header and what follows it, already limited to the packet's length.
bool parse_transport(std::span<const std::uint8_t> transport, PacketHeaders& headers) {
    const std::size_t needed = transport_header_bytes(headers.protocol_number);
    if (transport.size() < needed) {
        return false;
    }
    switch (headers.protocol_number) {
        case kTcp:
            headers.tcp_flags = transport[13];
            [[fallthrough]];
        case kUdp:
        case kUdpLite:
        case kSctp:
        case kDccp:
            headers.source_port = read_u16(transport, 0);
            headers.destination_port = read_u16(transport, 2);
            break;
        case kIcmp:
        case kIcmpV6:
            headers.icmp_type = transport[0];
            headers.icmp_code = transport[1];
            break;
        default:
            break;
    }
    return true;
}

std::optional<PacketHeaders> parse_ipv4(std::span<const std::uint8_t> bytes, ParseError* why) {
    if (bytes.size() < kIpv4MinimumHeaderBytes) {
        return fail(ParseError::kTooShort, why);
    }
    const std::size_t header_bytes = static_cast<std::size_t>(bytes[0] & 0x0f) * 4;
    if (header_bytes < kIpv4MinimumHeaderBytes) {
        return fail(ParseError::kBadHeaderLength, why);
    }
    if (bytes.size() < header_bytes) {
        return fail(ParseError::kTooShort, why);
    }
    // Total length 0 is how BIG TCP (Linux 6.3+) marks GSO packets over 64 KiB: the length is
    // then the buffer's. Otherwise it only ever shrinks what we look at, never grows it.
    std::size_t packet_bytes = bytes.size();
    const std::size_t total_length = read_u16(bytes, 2);
    if (total_length != 0) {
        if (total_length < header_bytes) {
            return fail(ParseError::kBadHeaderLength, why);
        }
        packet_bytes = std::min(packet_bytes, total_length);
    }

    PacketHeaders headers;
    headers.ip_version = 4;
    headers.protocol_number = bytes[9];
    headers.protocol = protocol_from_number(headers.protocol_number);
    std::uint8_t source[4];
    std::uint8_t destination[4];
    std::memcpy(source, bytes.data() + 12, sizeof source);
    std::memcpy(destination, bytes.data() + 16, sizeof destination);
    headers.source = IpAddress::from_v4(source);
    headers.destination = IpAddress::from_v4(destination);

    const std::uint16_t fragment_offset = read_u16(bytes, 6) & 0x1fff;
    if (fragment_offset != 0) {
        headers.is_fragment = true;
        return headers;
    }
    if (!parse_transport(bytes.subspan(header_bytes, packet_bytes - header_bytes), headers)) {
        return fail(ParseError::kTruncatedTransport, why);
    }
    return headers;
}

std::optional<PacketHeaders> parse_ipv6(std::span<const std::uint8_t> bytes, ParseError* why) {
    if (bytes.size() < kIpv6HeaderBytes) {
        return fail(ParseError::kTooShort, why);
    }
    // Payload length 0 means a jumbogram or a BIG TCP GSO packet: trust the buffer's length.
    std::size_t packet_bytes = bytes.size();
    const std::size_t payload_length = read_u16(bytes, 4);
    if (payload_length != 0) {
        packet_bytes = std::min(packet_bytes, kIpv6HeaderBytes + payload_length);
    }
    const auto packet = bytes.first(packet_bytes);

    PacketHeaders headers;
    headers.ip_version = 6;
    IpAddress::Bytes source{};
    IpAddress::Bytes destination{};
    std::memcpy(source.data(), bytes.data() + 8, source.size());
    std::memcpy(destination.data(), bytes.data() + 24, destination.size());
    headers.source = IpAddress::from_v6(source);
    headers.destination = IpAddress::from_v6(destination);

    std::uint8_t next_header = bytes[6];
    std::size_t offset = kIpv6HeaderBytes;
    for (int walked = 0;; ++walked) {
        const std::uint8_t current = next_header;
        std::size_t extension_bytes = 0;
        switch (current) {
            case kHopByHop:
            case kRouting:
            case kDestinationOptions:
                // RFC 8200 4.3-4.6: length in 8-octet units, not counting the first 8.
                if (packet.size() - offset < 2) {
                    return fail(ParseError::kTruncatedTransport, why);
                }
                extension_bytes = (static_cast<std::size_t>(packet[offset + 1]) + 1) * 8;
                break;
            case kAuthentication:
                // RFC 4302 2.2: length in 4-octet units, minus 2.
                if (packet.size() - offset < 2) {
                    return fail(ParseError::kTruncatedTransport, why);
                }
                extension_bytes = (static_cast<std::size_t>(packet[offset + 1]) + 2) * 4;
                break;
            case kFragment:
                extension_bytes = kIpv6FragmentHeaderBytes;
                break;
            default:
                // Upper layer, ESP (50) or No Next Header (59): the walk ends here.
                headers.protocol_number = current;
                headers.protocol = protocol_from_number(current);
                if (!parse_transport(packet.subspan(offset), headers)) {
                    return fail(ParseError::kTruncatedTransport, why);
                }
                return headers;
        }
        if (walked == kMaxIpv6ExtensionHeaders) {
            return fail(ParseError::kTooManyExtensionHeaders, why);
        }
        if (packet.size() - offset < extension_bytes) {
            return fail(ParseError::kTruncatedTransport, why);
        }
        next_header = packet[offset];
        // RFC 8200 4.5: only the fragment at offset 0 carries the upper-layer header.
        if (current == kFragment && (read_u16(packet, offset + 2) & 0xfff8) != 0) {
            headers.is_fragment = true;
            headers.protocol_number = next_header;
            headers.protocol = protocol_from_number(next_header);
            return headers;
        }
        offset += extension_bytes;
    }
}

}  // namespace

std::string_view to_string(ParseError error) {
    switch (error) {
        case ParseError::kTooShort:
            return "too short for an IP header";
        case ParseError::kBadVersion:
            return "IP version is neither 4 nor 6";
        case ParseError::kBadHeaderLength:
            return "bad IPv4 header length";
        case ParseError::kTruncatedTransport:
            return "extension or transport header cut short";
        case ParseError::kTooManyExtensionHeaders:
            return "too many IPv6 extension headers";
    }
    return "?";
}

std::optional<PacketHeaders> parse_packet(std::span<const std::uint8_t> bytes,
                                          ParseError* why) noexcept {
    if (bytes.empty()) {
        return fail(ParseError::kTooShort, why);
    }
    switch (bytes[0] >> 4) {
        case 4:
            return parse_ipv4(bytes, why);
        case 6:
            return parse_ipv6(bytes, why);
        default:
            return fail(ParseError::kBadVersion, why);
    }
}

}  // namespace sluice
