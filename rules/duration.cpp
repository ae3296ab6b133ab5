#include "rules/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>

namespace sluice {

namespace {
using namespace std::chrono_literals;

constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> kUnitsMs = {{
    {"ms", 1},
    {"s", 1000},
    {"m", 60'000},
    {"h", 3'600'000},
    {"d", 86'400'000},
}};
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
        ++digits;
    }
    if (digits == 0) {
        return std::nullopt;
    }
    std::int64_t count = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, count);
    if (ec != std::errc{} || count <= 0) {
        return std::nullopt;
    }
    const auto unit = text.substr(digits);
    for (const auto& [name, unit_ms] : kUnitsMs) {
        if (unit == name) {
            if (count > std::numeric_limits<std::int64_t>::max() / unit_ms) {
                return std::nullopt;
            }
            return std::chrono::milliseconds(count * unit_ms);
        }
    }
    return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    for (auto it = kUnitsMs.rbegin(); it != kUnitsMs.rend(); ++it) {
        if (ms != 0 && ms % it->second == 0) {
            return std::to_string(ms / it->second) + std::string(it->first);
        }
    }
    return std::to_string(ms) + "ms";
}

}  // namespace sluice
