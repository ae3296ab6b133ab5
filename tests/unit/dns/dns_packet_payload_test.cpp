#include "daemon/attribution/dns_packet_payload.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes ipv4(std::uint8_t protocol, const Bytes& segment, std::uint16_t fragment = 0) {
    Bytes packet = {0x45,
                    0,
                    0,
                    0,
                    0,
                    0,
                    static_cast<std::uint8_t>(fragment >> 8),
                    static_cast<std::uint8_t>(fragment),
                    64,
                    protocol,
                    0,
                    0,
                    10,
                    77,
                    0,
                    2,
                    10,
                    77,
                    0,
                    1};
    const auto total = static_cast<std::uint16_t>(packet.size() + segment.size());
    packet[2] = static_cast<std::uint8_t>(total >> 8);
    packet[3] = static_cast<std::uint8_t>(total);
    packet.insert(packet.end(), segment.begin(), segment.end());
    return packet;
}

Bytes ipv6(std::uint8_t next_header, const Bytes& segment) {
    Bytes packet(40, 0);
    packet[0] = 0x60;
    packet[4] = static_cast<std::uint8_t>(segment.size() >> 8);
    packet[5] = static_cast<std::uint8_t>(segment.size());
    packet[6] = next_header;
    packet.insert(packet.end(), segment.begin(), segment.end());
    return packet;
}

Bytes udp(std::uint16_t source_port, const Bytes& payload) {
    const auto length = static_cast<std::uint16_t>(8 + payload.size());
    Bytes segment = {static_cast<std::uint8_t>(source_port >> 8),
                     static_cast<std::uint8_t>(source_port),
                     0x9c,
                     0x40,
                     static_cast<std::uint8_t>(length >> 8),
                     static_cast<std::uint8_t>(length),
                     0,
                     0};
    segment.insert(segment.end(), payload.begin(), payload.end());
    return segment;
}

Bytes tcp(std::uint16_t source_port, const Bytes& payload) {
    Bytes segment(20, 0);
    segment[0] = static_cast<std::uint8_t>(source_port >> 8);
    segment[1] = static_cast<std::uint8_t>(source_port);
    segment[12] = 5 << 4;
    segment.insert(segment.end(), payload.begin(), payload.end());
    return segment;
}

std::vector<Bytes> payloads(const Bytes& packet) {
    std::vector<Bytes> result;
    for (const auto span : dns_payloads_of_packet(packet)) {
        result.emplace_back(span.begin(), span.end());
    }
    return result;
}

const Bytes kMessage = {1, 2, 3, 4, 5};

TEST(DnsPacketPayload, UdpFromPort53GivesItsPayload) {
    EXPECT_EQ(payloads(ipv4(17, udp(53, kMessage))), std::vector<Bytes>{kMessage});
    EXPECT_EQ(payloads(ipv6(17, udp(53, kMessage))), std::vector<Bytes>{kMessage});
}

TEST(DnsPacketPayload, OtherSourcePortsGiveNothing) {
    EXPECT_TRUE(payloads(ipv4(17, udp(5353, kMessage))).empty());
    EXPECT_TRUE(payloads(ipv4(6, tcp(443, kMessage))).empty());
}

TEST(DnsPacketPayload, TcpSegmentsGiveEachLengthPrefixedMessage) {
    const Bytes stream = {0, 2, 'a', 'b', 0, 3, 'c', 'd', 'e', 0, 9, 'f'};
    EXPECT_EQ(payloads(ipv4(6, tcp(53, stream))),
              (std::vector<Bytes>{{'a', 'b'}, {'c', 'd', 'e'}, {'f'}}));
}

TEST(DnsPacketPayload, LaterFragmentsGiveNothing) {
    EXPECT_TRUE(payloads(ipv4(17, udp(53, kMessage), /*fragment=*/0x0010)).empty());
}

TEST(DnsPacketPayload, LengthFieldsAreBelievedOnlyWhereTheyShrink) {
    Bytes packet = ipv4(17, udp(53, kMessage));
    packet[2] = 0xFF;  // IPv4 total length far beyond the packet
    EXPECT_EQ(payloads(packet), std::vector<Bytes>{kMessage});
    Bytes short_udp = ipv4(17, udp(53, kMessage));
    short_udp[20 + 5] = 10;  // UDP length: 2 bytes of payload
    EXPECT_EQ(payloads(short_udp), (std::vector<Bytes>{{1, 2}}));
}

TEST(DnsPacketPayload, CutHeadersGiveNothing) {
    const Bytes packet = ipv4(17, udp(53, kMessage));
    for (std::size_t length = 0; length < 28; ++length) {
        EXPECT_TRUE(payloads(Bytes(packet.begin(), packet.begin() + length)).empty()) << length;
    }
    Bytes bad_ihl = packet;
    bad_ihl[0] = 0x4F;  // 60-byte header in a 33-byte packet
    EXPECT_TRUE(payloads(bad_ihl).empty());
}

}  // namespace
}  // namespace sluice
