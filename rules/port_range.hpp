#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// A port or an inclusive range of ports, as written in `port` and `local_port`.
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;

    // "443" or "8000-9000", each number 0..65535 and first <= last. The error names the key
    // because its wording follows YamlReader's range messages.
    static std::optional<PortRange> parse(std::string_view text, std::string_view key,
                                          std::string* error = nullptr);
    [[nodiscard]] bool contains(std::uint16_t port) const { return first <= port && port <= last; }
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const PortRange&, const PortRange&) = default;
};

}  // namespace sluice
