#include "cli/bus_failure.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::cli {

namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

// "PREFIX: MESSAGE", without repeating a prefix the daemon already wrote.
std::string prefixed(std::string_view prefix, std::string_view message) {
    if (message.empty()) {
        return std::string(prefix);
    }
    if (starts_with_ignoring_case(message, prefix)) {
        return std::string(message);
    }
    return std::string(prefix) + ": " + std::string(message);
}

}  // namespace

Failure describe_bus_error(std::string_view name, std::string_view message, const BusTarget& bus) {
    const std::string sluice_error = std::string(kFirewallService) + ".Error.";
    if (name == sluice_error + "AccessDenied") {
        return {kExitAccessDenied, prefixed("access denied", message)};
    }
    if (name == "org.freedesktop.DBus.Error.AccessDenied") {
        return {kExitAccessDenied, prefixed("access denied by the bus policy", message)};
    }
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
        return {kExitError, "sluiced is not running on " + bus.description() + " (" +
                                std::string(kFirewallService) + " not found)"};
    }
    if (name == sluice_error + "InvalidRule") {
        return {kExitError, prefixed("invalid rule", message)};
    }
    if (name == sluice_error + "NotFound") {
        return {kExitError, prefixed("not found", message)};
    }
    if (name == sluice_error + "Busy") {
        return {kExitError, prefixed("sluiced is busy, try again", message)};
    }
    if (name == "org.freedesktop.DBus.Error.NoReply" ||
        name == "org.freedesktop.DBus.Error.Timeout" || name == "System.Error.ETIMEDOUT") {
        return {kExitError, "sluiced did not answer in time on " + bus.description()};
    }
    if (name == "org.freedesktop.DBus.Error.UnknownMethod" ||
        name == "org.freedesktop.DBus.Error.UnknownInterface" ||
        name == "org.freedesktop.DBus.Error.UnknownObject" ||
        name == "org.freedesktop.DBus.Error.InvalidArgs") {
        return {
            kExitError,
            prefixed("sluiced does not understand this request (a different version?)", message)};
    }
    if (message.empty()) {
        return {kExitError, std::string(name)};
    }
    return {kExitError, std::string(message) + " (" + std::string(name) + ")"};
}

Failure describe_connect_error(std::string_view message, const BusTarget& bus) {
    return {kExitError, "cannot connect to " + bus.description() + ": " + std::string(message)};
}

}  // namespace sluice::cli
