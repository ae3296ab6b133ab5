#pragma once

#include <cstdint>
#include <cstring>
#include <functional>

#include "rules/ip_address.hpp"

namespace sluice {

// Identity of one flow as its first packet shows it (original direction).
struct FlowKey {
    IpAddress source;
    IpAddress destination;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint8_t protocol = 0;

    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct FlowKeyHash {
    std::size_t operator()(const FlowKey& key) const noexcept {
        // FNV-1a over the fields: cheap, and flow keys are not attacker-chosen enough to
        // matter because the cache is bounded and evicts oldest first.
        std::uint64_t hash = 1469598103934665603ull;
        auto mix = [&hash](const std::uint8_t* bytes, std::size_t length) {
            for (std::size_t i = 0; i < length; ++i) {
                hash = (hash ^ bytes[i]) * 1099511628211ull;
            }
        };
        mix(key.source.bytes().data(), 16);
        mix(key.destination.bytes().data(), 16);
        const std::uint8_t tail[5] = {static_cast<std::uint8_t>(key.source_port >> 8),
                                      static_cast<std::uint8_t>(key.source_port),
                                      static_cast<std::uint8_t>(key.destination_port >> 8),
                                      static_cast<std::uint8_t>(key.destination_port),
                                      key.protocol};
        mix(tail, sizeof tail);
        return static_cast<std::size_t>(hash);
    }
};

}  // namespace sluice
