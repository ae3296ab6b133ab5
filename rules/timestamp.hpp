#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

using TimePoint = std::chrono::system_clock::time_point;

// RFC 3339 date-time: "2026-12-24T18:00:00Z", optionally with a fraction of a second and a
// numeric offset ("+02:00") instead of "Z"; the result is the UTC instant. Years are limited to
// 1970..2200 so every instant fits system_clock's nanosecond count without overflow.
std::optional<TimePoint> parse_timestamp(std::string_view text);

// UTC with a "Z", seconds precision plus any non-zero fraction, so it parses back exactly.
std::string format_timestamp(TimePoint time);

}  // namespace sluice
