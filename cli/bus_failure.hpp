#pragma once

#include <string>
#include <string_view>

#include "cli/bus_target.hpp"

namespace sluice::cli {

// sluicectl's exit status (see --help): 0 done, 1 any error, 3 the daemon or the bus refused
// the caller (so scripts can tell "not allowed" from "broken").
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitAccessDenied = 3;

inline constexpr std::string_view kFirewallService = "org.sluice.Firewall1";

struct Failure {
    int exit_code = kExitError;
    std::string message;  // printed as "sluicectl: MESSAGE"
};

// Turns a D-Bus error reply (name and message as sdbus::Error carries them) into what the user
// reads: a daemon that is not running, access denied, a refused rule, a timeout.
Failure describe_bus_error(std::string_view name, std::string_view message, const BusTarget& bus);

// A failure to reach the bus at all.
Failure describe_connect_error(std::string_view message, const BusTarget& bus);

}  // namespace sluice::cli
