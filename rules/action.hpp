#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice {

// What a rule (or the config's default_action) does to a connection.
enum class Action : std::uint8_t { kAllow, kDeny, kReject, kPrompt };

std::string_view to_string(Action action);
std::optional<Action> parse_action(std::string_view text);

// Which way the connection was opened, seen from this host.
enum class Direction : std::uint8_t { kOut, kIn };

std::string_view to_string(Direction direction);

// IANA protocol numbers, so a parsed header's protocol byte converts directly.
enum class Protocol : std::uint8_t { kOther = 0, kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpV6 = 58 };

std::string_view to_string(Protocol protocol);
Protocol protocol_from_number(std::uint8_t number);

}  // namespace sluice
