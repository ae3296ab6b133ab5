#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/ip_address.hpp"

namespace sluice::testing {

// Hand-built IPv4/IPv6 packets with a TCP or UDP header, as NFQUEUE would copy them.
inline std::vector<std::uint8_t> build_packet(const std::string& source, std::uint16_t source_port,
                                              const std::string& destination,
                                              std::uint16_t destination_port,
                                              std::uint8_t protocol = 6) {
    const auto src = *IpAddress::parse(source);
    const auto dst = *IpAddress::parse(destination);
    std::vector<std::uint8_t> packet;
    const std::size_t transport_bytes = protocol == 6 ? 20 : 8;
    if (src.is_v4()) {
        packet = {0x45, 0,        0,    static_cast<std::uint8_t>(20 + transport_bytes),
                  0,    0,        0x40, 0,
                  64,   protocol, 0,    0};
        packet.insert(packet.end(), src.family_bytes(), src.family_bytes() + 4);
        packet.insert(packet.end(), dst.family_bytes(), dst.family_bytes() + 4);
    } else {
        packet = {0x60, 0, 0, 0, 0, static_cast<std::uint8_t>(transport_bytes), protocol, 64};
        packet.insert(packet.end(), src.family_bytes(), src.family_bytes() + 16);
        packet.insert(packet.end(), dst.family_bytes(), dst.family_bytes() + 16);
    }
    packet.push_back(static_cast<std::uint8_t>(source_port >> 8));
    packet.push_back(static_cast<std::uint8_t>(source_port));
    packet.push_back(static_cast<std::uint8_t>(destination_port >> 8));
    packet.push_back(static_cast<std::uint8_t>(destination_port));
    if (protocol == 6) {
        const std::uint8_t rest[16] = {0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
        packet.insert(packet.end(), rest, rest + 16);
    } else {
        const std::uint8_t rest[4] = {0, 8, 0, 0};
        packet.insert(packet.end(), rest, rest + 4);
    }
    return packet;
}

}  // namespace sluice::testing
