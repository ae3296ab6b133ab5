#pragma once

#include <cstddef>
#include <cstdint>

#include "rules/ip_address.hpp"

namespace sluice {

// One direction of a conntrack entry: addresses, ports (0 for protocols without them) and the
// IP protocol number. Conntrack keys an entry by its original tuple, the first packet's view,
// which stays put when NAT rewrites the packets (the reply tuple shows the rewrite).
struct ConntrackTuple {
    IpAddress source;
    IpAddress destination;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint8_t protocol = 0;

    // The tuple of packets going the other way.
    [[nodiscard]] ConntrackTuple inverse() const {
        return {destination, source, destination_port, source_port, protocol};
    }
    friend bool operator==(const ConntrackTuple&, const ConntrackTuple&) = default;
};

struct ConntrackTupleHash {
    std::size_t operator()(const ConntrackTuple& tuple) const noexcept {
        std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
        const auto mix = [&hash](std::uint8_t byte) { hash = (hash ^ byte) * 1099511628211ull; };
        for (const std::uint8_t byte : tuple.source.bytes()) {
            mix(byte);
        }
        for (const std::uint8_t byte : tuple.destination.bytes()) {
            mix(byte);
        }
        mix(static_cast<std::uint8_t>(tuple.source_port >> 8));
        mix(static_cast<std::uint8_t>(tuple.source_port));
        mix(static_cast<std::uint8_t>(tuple.destination_port >> 8));
        mix(static_cast<std::uint8_t>(tuple.destination_port));
        mix(tuple.protocol);
        return static_cast<std::size_t>(hash);
    }
};

}  // namespace sluice
