#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// "500ms", "20s", "5m", "1h", "7d": a positive integer and one unit, nothing else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// The shortest exact form, so a parsed value prints back as written ("90s" stays "90s").
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace sluice
