#include "daemon/netfilter/packet_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace sluice {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIcmpV6 = 58;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kAck = 0x10;

void append(Bytes& packet, std::initializer_list<std::uint8_t> bytes) {
    packet.insert(packet.end(), bytes.begin(), bytes.end());
}

void append(Bytes& packet, const Bytes& bytes) {
    packet.insert(packet.end(), bytes.begin(), bytes.end());
}

void append_u16(Bytes& packet, std::uint16_t value) {
    append(packet, {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)});
}

void append_ipv4_address(Bytes& packet, const std::string& text) {
    const auto address = *IpAddress::parse(text);
    packet.insert(packet.end(), address.family_bytes(), address.family_bytes() + 4);
}

// All 16 bytes, also for an IPv4-mapped address.
void append_ipv6_address(Bytes& packet, const std::string& text) {
    const auto address = *IpAddress::parse(text);
    packet.insert(packet.end(), address.bytes().begin(), address.bytes().end());
}

Bytes tcp_header(std::uint16_t source_port, std::uint16_t destination_port, std::uint8_t flags) {
    Bytes header;
    append_u16(header, source_port);
    append_u16(header, destination_port);
    append(header, {0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
    return header;
}

Bytes udp_header(std::uint16_t source_port, std::uint16_t destination_port) {
    Bytes header;
    append_u16(header, source_port);
    append_u16(header, destination_port);
    append(header, {0, 8, 0, 0});
    return header;
}

Bytes icmp_header(std::uint8_t type, std::uint8_t code) {
    return {type, code, 0, 0, 0x12, 0x34, 0, 1};
}

struct Ipv4Options {
    std::uint8_t protocol = kTcp;
    std::string source = "192.0.2.1";
    std::string destination = "198.51.100.7";
    std::uint16_t fragment_field = 0x4000;  // don't fragment, offset 0
    Bytes ip_options;                       // multiple of 4 bytes
    std::optional<std::uint16_t> total_length;
};

Bytes ipv4_packet(const Ipv4Options& options, const Bytes& transport) {
    const auto header_bytes = static_cast<std::uint8_t>(20 + options.ip_options.size());
    Bytes packet;
    append(packet, {static_cast<std::uint8_t>(0x40 | (header_bytes / 4)), 0});
    append_u16(packet, options.total_length.value_or(
                           static_cast<std::uint16_t>(header_bytes + transport.size())));
    append(packet, {0x12, 0x34});
    append_u16(packet, options.fragment_field);
    append(packet, {64, options.protocol, 0, 0});
    append_ipv4_address(packet, options.source);
    append_ipv4_address(packet, options.destination);
    append(packet, options.ip_options);
    append(packet, transport);
    return packet;
}

// An IPv6 packet; `payload` is every extension header followed by the upper-layer header.
Bytes ipv6_packet(std::uint8_t next_header, const Bytes& payload,
                  std::optional<std::uint16_t> payload_length = std::nullopt,
                  const std::string& source = "2001:db8::1",
                  const std::string& destination = "2001:db8:0:1::2") {
    Bytes packet = {0x60, 0, 0, 0};
    append_u16(packet, payload_length.value_or(static_cast<std::uint16_t>(payload.size())));
    append(packet, {next_header, 64});
    append_ipv6_address(packet, source);
    append_ipv6_address(packet, destination);
    append(packet, payload);
    return packet;
}

// Hop-by-hop, routing or destination options header of 8 * (units + 1) bytes.
Bytes options_header(std::uint8_t next_header, std::uint8_t units = 0) {
    Bytes header = {next_header, units};
    header.resize(std::size_t{8} * (units + 1u), 0);
    header[2] = 1;  // PadN option, so the padding is well formed
    header[3] = static_cast<std::uint8_t>(header.size() - 4);
    return header;
}

Bytes fragment_header(std::uint8_t next_header, std::uint16_t offset_units, bool more) {
    Bytes header = {next_header, 0};
    append_u16(header, static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0)));
    append(header, {0xde, 0xad, 0xbe, 0xef});
    return header;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (const auto& part : parts) {
        append(all, part);
    }
    return all;
}

// Copies into a buffer of exactly the given size, so a sanitizer sees any read past it.
std::optional<PacketHeaders> parse(const Bytes& bytes, ParseError* why = nullptr) {
    const Bytes exact(bytes.begin(), bytes.end());
    return parse_packet(exact, why);
}

ParseError error_of(const Bytes& bytes) {
    ParseError why{};
    EXPECT_FALSE(parse(bytes, &why).has_value());
    return why;
}

TEST(PacketParser, ReadsIpv4TcpAddressesPortsAndFlags) {
    const auto headers = parse(ipv4_packet({}, tcp_header(40000, 443, kSyn | kAck)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->ip_version, 4);
    EXPECT_EQ(headers->protocol_number, 6);
    EXPECT_EQ(headers->protocol, Protocol::kTcp);
    EXPECT_EQ(headers->source.to_string(), "192.0.2.1");
    EXPECT_EQ(headers->destination.to_string(), "198.51.100.7");
    EXPECT_EQ(headers->source_port, 40000);
    EXPECT_EQ(headers->destination_port, 443);
    EXPECT_EQ(headers->tcp_flags, kSyn | kAck);
    EXPECT_FALSE(headers->is_fragment);
}

TEST(PacketParser, Ipv4AddressesComeOutIpv4Mapped) {
    const auto headers = parse(ipv4_packet({}, tcp_header(1, 2, kSyn)));
    ASSERT_TRUE(headers);
    EXPECT_TRUE(headers->source.is_v4());
    EXPECT_EQ(headers->source, *IpAddress::parse("::ffff:192.0.2.1"));
    EXPECT_EQ(headers->destination.bytes()[10], 0xff);
    EXPECT_EQ(headers->destination.bytes()[11], 0xff);
    EXPECT_EQ(headers->destination.bytes()[15], 7);
}

TEST(PacketParser, ReadsIpv4UdpPorts) {
    Ipv4Options options;
    options.protocol = kUdp;
    const auto headers = parse(ipv4_packet(options, udp_header(5353, 53)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->protocol, Protocol::kUdp);
    EXPECT_EQ(headers->source_port, 5353);
    EXPECT_EQ(headers->destination_port, 53);
    EXPECT_EQ(headers->tcp_flags, 0);
}

TEST(PacketParser, ReadsIcmpTypeAndCodeWithoutPorts) {
    Ipv4Options options;
    options.protocol = kIcmp;
    const auto headers = parse(ipv4_packet(options, icmp_header(3, 13)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->protocol, Protocol::kIcmp);
    EXPECT_EQ(headers->icmp_type, 3);
    EXPECT_EQ(headers->icmp_code, 13);
    EXPECT_EQ(headers->source_port, 0);
    EXPECT_EQ(headers->destination_port, 0);
}

TEST(PacketParser, Ipv4OptionsShiftTheTransportHeader) {
    Ipv4Options options;
    options.ip_options = {0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
    const auto headers = parse(ipv4_packet(options, tcp_header(1234, 80, kSyn)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->source_port, 1234);
    EXPECT_EQ(headers->destination_port, 80);
    EXPECT_EQ(headers->tcp_flags, kSyn);
}

TEST(PacketParser, Ipv4NonFirstFragmentHasNoTransportHeader) {
    Ipv4Options options;
    options.fragment_field = 0x2000 | 185;  // more fragments, offset 1480 bytes
    // The bytes after the IP header are payload, not a TCP header: they must not become ports.
    const auto headers = parse(ipv4_packet(options, {0xaa, 0xbb, 0xcc, 0xdd}));
    ASSERT_TRUE(headers);
    EXPECT_TRUE(headers->is_fragment);
    EXPECT_EQ(headers->protocol, Protocol::kTcp);
    EXPECT_EQ(headers->source_port, 0);
    EXPECT_EQ(headers->destination_port, 0);
}

TEST(PacketParser, Ipv4FirstFragmentCarriesPorts) {
    Ipv4Options options;
    options.fragment_field = 0x2000;  // more fragments, offset 0
    const auto headers = parse(ipv4_packet(options, tcp_header(1000, 2000, kSyn)));
    ASSERT_TRUE(headers);
    EXPECT_FALSE(headers->is_fragment);
    EXPECT_EQ(headers->destination_port, 2000);
}

TEST(PacketParser, Ipv4TotalLengthBeyondCopiedBytesIsFine) {
    Ipv4Options options;
    options.total_length = 1500;  // the queue copied only the first 40 bytes
    const auto headers = parse(ipv4_packet(options, tcp_header(1, 22, kSyn)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->destination_port, 22);
}

TEST(PacketParser, Ipv4TotalLengthLimitsTheTransportHeader) {
    Ipv4Options options;
    options.total_length = 30;  // 10 bytes of TCP claimed, even though 20 were copied
    EXPECT_EQ(error_of(ipv4_packet(options, tcp_header(1, 22, kSyn))),
              ParseError::kTruncatedTransport);
}

TEST(PacketParser, Ipv4TotalLengthZeroMeansBigTcpAndUsesTheBuffer) {
    Ipv4Options options;
    options.total_length = 0;
    const auto headers = parse(ipv4_packet(options, tcp_header(1, 22, kAck)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->destination_port, 22);
}

TEST(PacketParser, Ipv4HeaderLengthBelowFiveWordsIsRejected) {
    Bytes packet = ipv4_packet({}, tcp_header(1, 2, kSyn));
    packet[0] = 0x44;
    EXPECT_EQ(error_of(packet), ParseError::kBadHeaderLength);
}

TEST(PacketParser, Ipv4TotalLengthBelowHeaderLengthIsRejected) {
    Ipv4Options options;
    options.total_length = 19;
    EXPECT_EQ(error_of(ipv4_packet(options, tcp_header(1, 2, kSyn))), ParseError::kBadHeaderLength);
}

TEST(PacketParser, Ipv4HeaderLengthBeyondCopiedBytesIsTooShort) {
    Bytes packet = ipv4_packet({}, tcp_header(1, 2, kSyn));
    packet[0] = 0x4f;  // 60-byte header in a 40-byte buffer
    EXPECT_EQ(error_of(packet), ParseError::kTooShort);
}

TEST(PacketParser, UnknownProtocolIsNotAnError) {
    Ipv4Options options;
    options.protocol = 47;  // GRE: no fields sluice reads
    const auto headers = parse(ipv4_packet(options, {}));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->protocol_number, 47);
    EXPECT_EQ(headers->protocol, Protocol::kOther);
    EXPECT_EQ(headers->source_port, 0);
}

TEST(PacketParser, ReadsSctpAndUdpLitePorts) {
    Ipv4Options sctp;
    sctp.protocol = 132;
    Bytes sctp_header = udp_header(3868, 3869);
    append(sctp_header, {0, 0, 0, 0});  // 12-byte common header
    const auto sctp_headers = parse(ipv4_packet(sctp, sctp_header));
    ASSERT_TRUE(sctp_headers);
    EXPECT_EQ(sctp_headers->protocol, Protocol::kOther);
    EXPECT_EQ(sctp_headers->source_port, 3868);
    EXPECT_EQ(sctp_headers->destination_port, 3869);

    const auto lite = parse(ipv6_packet(136, udp_header(7, 9)));
    ASSERT_TRUE(lite);
    EXPECT_EQ(lite->protocol_number, 136);
    EXPECT_EQ(lite->destination_port, 9);
}

TEST(PacketParser, EmptyInputIsTooShort) {
    EXPECT_EQ(error_of({}), ParseError::kTooShort);
}

TEST(PacketParser, VersionOtherThanFourOrSixIsRejected) {
    Bytes packet = ipv4_packet({}, tcp_header(1, 2, kSyn));
    packet[0] = 0x55;
    EXPECT_EQ(error_of(packet), ParseError::kBadVersion);
    EXPECT_EQ(error_of({0x00}), ParseError::kBadVersion);
}

TEST(PacketParser, ReadsIpv6TcpAddressesAndPorts) {
    const auto headers = parse(ipv6_packet(kTcp, tcp_header(50000, 8443, kSyn)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->ip_version, 6);
    EXPECT_EQ(headers->protocol, Protocol::kTcp);
    EXPECT_FALSE(headers->source.is_v4());
    EXPECT_EQ(headers->source.to_string(), "2001:db8::1");
    EXPECT_EQ(headers->destination.to_string(), "2001:db8:0:1::2");
    EXPECT_EQ(headers->source_port, 50000);
    EXPECT_EQ(headers->destination_port, 8443);
    EXPECT_EQ(headers->tcp_flags, kSyn);
}

TEST(PacketParser, Ipv6PacketWithMappedAddressReadsAsV4ButKeepsVersionSix) {
    const auto headers =
        parse(ipv6_packet(kUdp, udp_header(1, 2), std::nullopt, "::ffff:10.0.0.1", "::1"));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->ip_version, 6);
    EXPECT_TRUE(headers->source.is_v4());
    EXPECT_EQ(headers->source.to_string(), "10.0.0.1");
}

TEST(PacketParser, ReadsIcmpV6TypeAndCode) {
    const auto headers = parse(ipv6_packet(kIcmpV6, icmp_header(128, 0)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->protocol, Protocol::kIcmpV6);
    EXPECT_EQ(headers->icmp_type, 128);
    EXPECT_EQ(headers->icmp_code, 0);
}

TEST(PacketParser, WalksHopByHopRoutingAndDestinationOptions) {
    const Bytes payload = concat({options_header(43, 0), options_header(60, 2),
                                  options_header(kUdp, 1), udp_header(546, 547)});
    const auto headers = parse(ipv6_packet(0, payload));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->protocol_number, kUdp);
    EXPECT_EQ(headers->protocol, Protocol::kUdp);
    EXPECT_EQ(headers->source_port, 546);
    EXPECT_EQ(headers->destination_port, 547);
}

TEST(PacketParser, AuthenticationHeaderLengthCountsFourOctetUnits) {
    // Payload length 4 means (4 + 2) * 4 = 24 bytes: 12 fixed plus a 12-byte ICV.
    Bytes authentication = {kTcp, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 7};
    authentication.resize(24, 0xee);
    const auto headers = parse(ipv6_packet(51, concat({authentication, tcp_header(9, 10, kSyn)})));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->protocol, Protocol::kTcp);
    EXPECT_EQ(headers->source_port, 9);
    EXPECT_EQ(headers->destination_port, 10);
}

TEST(PacketParser, Ipv6NonFirstFragmentHasNoTransportHeader) {
    const auto headers =
        parse(ipv6_packet(44, concat({fragment_header(kTcp, 185, true), {0xaa, 0xbb, 0xcc}})));
    ASSERT_TRUE(headers);
    EXPECT_TRUE(headers->is_fragment);
    EXPECT_EQ(headers->protocol_number, kTcp);
    EXPECT_EQ(headers->source_port, 0);
    EXPECT_EQ(headers->destination_port, 0);
}

TEST(PacketParser, Ipv6FirstFragmentCarriesPorts) {
    const auto headers =
        parse(ipv6_packet(44, concat({fragment_header(kUdp, 0, true), udp_header(1, 4500)})));
    ASSERT_TRUE(headers);
    EXPECT_FALSE(headers->is_fragment);
    EXPECT_EQ(headers->destination_port, 4500);
}

TEST(PacketParser, EspAndNoNextHeaderEndTheWalk) {
    const auto esp = parse(ipv6_packet(0, concat({options_header(50), {0, 0, 1, 0}})));
    ASSERT_TRUE(esp);
    EXPECT_EQ(esp->protocol_number, 50);
    EXPECT_EQ(esp->protocol, Protocol::kOther);
    EXPECT_EQ(esp->source_port, 0);

    const auto nothing = parse(ipv6_packet(59, {}));
    ASSERT_TRUE(nothing);
    EXPECT_EQ(nothing->protocol_number, 59);
}

Bytes chain_of_destination_options(int count) {
    Bytes payload;
    for (int i = 0; i < count; ++i) {
        append(payload, options_header(i + 1 == count ? kUdp : 60));
    }
    append(payload, udp_header(1, 2));
    return payload;
}

TEST(PacketParser, EightExtensionHeadersAreWalked) {
    const auto headers =
        parse(ipv6_packet(60, chain_of_destination_options(kMaxIpv6ExtensionHeaders)));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->destination_port, 2);
}

TEST(PacketParser, NineExtensionHeadersAreTooMany) {
    EXPECT_EQ(error_of(ipv6_packet(60, chain_of_destination_options(kMaxIpv6ExtensionHeaders + 1))),
              ParseError::kTooManyExtensionHeaders);
}

TEST(PacketParser, ExtensionHeaderLongerThanThePacketIsTruncated) {
    Bytes hop_by_hop = options_header(kTcp);
    hop_by_hop[1] = 200;  // claims 1608 bytes
    EXPECT_EQ(error_of(ipv6_packet(0, concat({hop_by_hop, tcp_header(1, 2, kSyn)}))),
              ParseError::kTruncatedTransport);
}

TEST(PacketParser, Ipv6PayloadLengthLimitsTheWalk) {
    // Payload length covers the hop-by-hop header only; the TCP bytes after it are not ours.
    EXPECT_EQ(error_of(ipv6_packet(0, concat({options_header(kTcp), tcp_header(1, 2, kSyn)}), 8)),
              ParseError::kTruncatedTransport);
}

TEST(PacketParser, Ipv6PayloadLengthZeroUsesTheBuffer) {
    const auto headers = parse(ipv6_packet(kTcp, tcp_header(1, 2, kSyn), 0));
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->destination_port, 2);
}

struct TruncationCase {
    std::string name;
    Bytes packet;
    std::size_t ip_header_bytes;
};

// Cut at every length short of the whole packet: each prefix fails with the error for the
// part it cuts into, and never reads past its end (the sanitizer build checks that).
TEST(PacketParser, EveryTruncationFailsWithTheErrorOfTheCutHeader) {
    Ipv4Options with_options;
    with_options.protocol = kUdp;
    with_options.ip_options = {1, 1, 1, 0};
    Ipv4Options icmp;
    icmp.protocol = kIcmp;
    Bytes authentication = {kUdp, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 7};
    const std::vector<TruncationCase> cases = {
        {"ipv4 tcp", ipv4_packet({}, tcp_header(1, 2, kSyn)), 20},
        {"ipv4 options udp", ipv4_packet(with_options, udp_header(1, 2)), 24},
        {"ipv4 icmp", ipv4_packet(icmp, icmp_header(8, 0)), 20},
        {"ipv6 icmpv6", ipv6_packet(kIcmpV6, icmp_header(135, 0)), 40},
        {"ipv6 extension chain",
         ipv6_packet(
             0, concat({options_header(43, 1), options_header(44), fragment_header(60, 0, true),
                        options_header(kTcp, 2), tcp_header(1, 2, kSyn)})),
         40},
        {"ipv6 authentication", ipv6_packet(51, concat({authentication, udp_header(1, 2)})), 40},
    };
    for (const auto& test_case : cases) {
        ASSERT_TRUE(parse(test_case.packet)) << test_case.name;
        for (std::size_t cut = 0; cut < test_case.packet.size(); ++cut) {
            const Bytes prefix(test_case.packet.begin(),
                               test_case.packet.begin() + static_cast<std::ptrdiff_t>(cut));
            const ParseError expected = cut < test_case.ip_header_bytes
                                            ? ParseError::kTooShort
                                            : ParseError::kTruncatedTransport;
            EXPECT_EQ(error_of(prefix), expected) << test_case.name << " cut at " << cut;
        }
    }
}

TEST(PacketParser, ErrorsHaveReadableNames) {
    EXPECT_EQ(to_string(ParseError::kTooShort), "too short for an IP header");
    EXPECT_EQ(to_string(ParseError::kBadVersion), "IP version is neither 4 nor 6");
    EXPECT_EQ(to_string(ParseError::kBadHeaderLength), "bad IPv4 header length");
    EXPECT_EQ(to_string(ParseError::kTruncatedTransport),
              "extension or transport header cut short");
    EXPECT_EQ(to_string(ParseError::kTooManyExtensionHeaders), "too many IPv6 extension headers");
}

}  // namespace
}  // namespace sluice
