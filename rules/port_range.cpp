#include "rules/port_range.hpp"

#include <charconv>
#include <cstdint>

namespace sluice {

namespace {

constexpr std::uint32_t kMaxPort = 65535;

// Digits only, so "-1" and "+5" are not numbers here.
std::optional<std::uint64_t> decimal(std::string_view text) {
    if (text.empty() || text.size() > 9) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<PortRange> PortRange::parse(std::string_view text, std::string_view key,
                                          std::string* error) {
    auto fail = [&](std::string message) -> std::optional<PortRange> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    const std::string quoted_key = "'" + std::string(key) + "'";
    const std::string quoted_text = "'" + std::string(text) + "'";
    const auto dash = text.find('-');
    const auto first = decimal(text.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : decimal(text.substr(dash + 1));
    if (!first || !last) {
        return fail(quoted_key + " must be a port 0 to 65535 or a range such as 8000-9000, not " +
                    quoted_text);
    }
    if (*first > kMaxPort || *last > kMaxPort) {
        if (dash == std::string_view::npos) {
            return fail(quoted_key + " is " + std::string(text) + ", out of range 0 to 65535");
        }
        return fail(quoted_key + " range " + quoted_text + " is out of range 0 to 65535");
    }
    if (*first > *last) {
        return fail(quoted_key + " range " + quoted_text + " starts above its end");
    }
    return PortRange{static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)};
}

std::string PortRange::to_string() const {
    if (first == last) {
        return std::to_string(first);
    }
    return std::to_string(first) + "-" + std::to_string(last);
}

}  // namespace sluice
