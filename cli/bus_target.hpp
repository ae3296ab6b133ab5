#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sdbus-c++/IConnection.h>

#include "daemon/base/result.hpp"

namespace sluice::cli {

// Which bus sluicectl talks to sluiced on: --bus, else $SLUICE_BUS, else the system bus.
struct BusTarget {
    enum class Kind : std::uint8_t { kSystem, kSession, kAddress };
    Kind kind = Kind::kSystem;
    std::string address;  // with kAddress

    // How messages name it: "the system bus", "the session bus", "the bus at unix:path=/x".
    [[nodiscard]] std::string description() const;
};

// "system", "session" or a D-Bus address ("unix:path=...", "tcp:host=..."). `source` names
// the setting in the error: "--bus" or "SLUICE_BUS".
Result<BusTarget> parse_bus_target(std::string_view text, std::string_view source);

// --bus when given, else the environment value when set and not empty, else the system bus.
Result<BusTarget> choose_bus_target(const std::optional<std::string>& option,
                                    const char* environment_value);

// Opens a connection (not yet processing messages: the caller runs its loop). Throws
// sdbus::Error when the bus cannot be reached, as every sdbus-c++ call does.
std::unique_ptr<sdbus::IConnection> connect_bus(const BusTarget& target);

}  // namespace sluice::cli
