#include "cli/bus_target.hpp"

namespace sluice::cli {

std::string BusTarget::description() const {
    switch (kind) {
        case Kind::kSystem:
            return "the system bus";
        case Kind::kSession:
            return "the session bus";
        case Kind::kAddress:
            return "the bus at " + address;
    }
    return "the bus";
}

Result<BusTarget> parse_bus_target(std::string_view text, std::string_view source) {
    if (text == "system") {
        return BusTarget{BusTarget::Kind::kSystem, {}};
    }
    if (text == "session") {
        return BusTarget{BusTarget::Kind::kSession, {}};
    }
    // D-Bus addresses are "transport:key=value,...", e.g. unix:path=/run/dbus/system_bus_socket.
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && colon > 0) {
        return BusTarget{BusTarget::Kind::kAddress, std::string(text)};
    }
    return Error{std::string(source) +
                 " must be system, session or a bus address such as "
                 "unix:path=/run/dbus/system_bus_socket, not '" +
                 std::string(text) + "'"};
}

Result<BusTarget> choose_bus_target(const std::optional<std::string>& option,
                                    const char* environment_value) {
    if (option) {
        return parse_bus_target(*option, "--bus");
    }
    if (environment_value != nullptr && *environment_value != '\0') {
        return parse_bus_target(environment_value, "SLUICE_BUS");
    }
    return BusTarget{};
}

std::unique_ptr<sdbus::IConnection> connect_bus(const BusTarget& target) {
    switch (target.kind) {
        case BusTarget::Kind::kSession:
            return sdbus::createSessionBusConnection();
        case BusTarget::Kind::kAddress:
            // sd_bus_set_address + bus_client: the address must lead to a message bus that
            // answers Hello, exactly what dbus.bus: unix:... gives sluiced.
            return sdbus::createSessionBusConnectionWithAddress(target.address);
        case BusTarget::Kind::kSystem:
            break;
    }
    return sdbus::createSystemBusConnection();
}

}  // namespace sluice::cli
