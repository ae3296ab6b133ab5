#include "cli/daemon_presence.hpp"

#include "cli/bus_failure.hpp"

namespace sluice::cli {

namespace {

constexpr const char* kBusService = "org.freedesktop.DBus";
constexpr const char* kBusObject = "/org/freedesktop/DBus";

}  // namespace

DaemonPresence::DaemonPresence(sdbus::IConnection& bus) {
    const std::string match = std::string("type='signal',sender='") + kBusService +
                              "',interface='" + kBusService + "',member='NameOwnerChanged',arg0='" +
                              std::string(kFirewallService) + "'";
    match_ = bus.addMatch(match, [this](sdbus::Message& message) {
        std::string name;
        std::string old_owner;
        std::string new_owner;
        message >> name >> old_owner >> new_owner;
        if (name != kFirewallService || new_owner == owner_) {
            return;
        }
        owner_ = new_owner;
        if (on_change) {
            on_change(owner_);
        }
    });
    const auto bus_proxy = sdbus::createProxy(bus, kBusService, kBusObject);
    try {
        bus_proxy->callMethod("GetNameOwner")
            .onInterface(kBusService)
            .withArguments(std::string(kFirewallService))
            .storeResultsTo(owner_);
    } catch (const sdbus::Error& error) {
        if (error.getName() != "org.freedesktop.DBus.Error.NameHasNoOwner") {
            throw;
        }
    }
}

}  // namespace sluice::cli
