#include "daemon/bus_queries.hpp"

#include <sdbus-c++/Error.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "dbus/bus_names.hpp"

namespace sluice {

namespace {

constexpr std::chrono::seconds kBusDriverTimeout{5};
// polkit may ask the user for a password through an authentication agent.
constexpr std::chrono::minutes kPolkitTimeout{5};

}  // namespace

SdbusQueries::SdbusQueries(sdbus::IConnection& connection)
    : bus_(sdbus::createProxy(connection, bus::kBusName, bus::kBusPath)),
      polkit_(sdbus::createProxy(connection, bus::kPolkitName, bus::kPolkitPath)) {}

void SdbusQueries::unix_user(const std::string& sender, UidCallback done) {
    try {
        (void)bus_->callMethodAsync("GetConnectionUnixUser")
            .onInterface(bus::kBusName)
            .withTimeout(kBusDriverTimeout)
            .withArguments(sender)
            .uponReplyInvoke([done](const sdbus::Error* error, std::uint32_t uid) {
                if (error != nullptr) {
                    done(Error{"GetConnectionUnixUser failed: " + error->getMessage()});
                } else {
                    done(uid);
                }
            });
    } catch (const sdbus::Error& error) {
        done(Error{"GetConnectionUnixUser failed: " + error.getMessage()});
    }
}

void SdbusQueries::check_polkit(const PolkitCheck& check, PolkitCallback done) {
    try {
        (void)polkit_->callMethodAsync("CheckAuthorization")
            .onInterface(bus::kPolkitInterface)
            .withTimeout(kPolkitTimeout)
            .withArguments(polkit_subject(check), check.action_id, check.details, check.flags,
                           check.cancellation_id)
            .uponReplyInvoke([done](const sdbus::Error* error, const PolkitResult& result) {
                if (error != nullptr) {
                    done(Error{"CheckAuthorization failed: " + error->getMessage()});
                } else {
                    done(std::get<0>(result));
                }
            });
    } catch (const sdbus::Error& error) {
        done(Error{"CheckAuthorization failed: " + error.getMessage()});
    }
}

void SdbusQueries::name_owner(const std::string& name,
                              const std::function<void(std::optional<std::string>)>& done) {
    try {
        (void)bus_->callMethodAsync("GetNameOwner")
            .onInterface(bus::kBusName)
            .withTimeout(kBusDriverTimeout)
            .withArguments(name)
            .uponReplyInvoke([done](const sdbus::Error* error, const std::string& owner) {
                done(error == nullptr ? std::optional<std::string>(owner) : std::nullopt);
            });
    } catch (const sdbus::Error&) {
        done(std::nullopt);
    }
}

bool SdbusQueries::polkit_available() {
    try {
        bool owned = false;
        bus_->callMethod("NameHasOwner")
            .onInterface(bus::kBusName)
            .withTimeout(kBusDriverTimeout)
            .withArguments(std::string(bus::kPolkitName))
            .storeResultsTo(owned);
        if (owned) {
            return true;
        }
        std::vector<std::string> activatable;
        bus_->callMethod("ListActivatableNames")
            .onInterface(bus::kBusName)
            .withTimeout(kBusDriverTimeout)
            .storeResultsTo(activatable);
        return std::find(activatable.begin(), activatable.end(), bus::kPolkitName) !=
               activatable.end();
    } catch (const sdbus::Error&) {
        return false;
    }
}

}  // namespace sluice
