#pragma once

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dbus/authorizer.hpp"

namespace sluice {

// BusQueries over sdbus-c++: the bus driver (org.freedesktop.DBus) and polkit's authority,
// called asynchronously so the queue thread never waits for them. Bus thread only.
class SdbusQueries final : public BusQueries {
  public:
    explicit SdbusQueries(sdbus::IConnection& connection);

    void unix_user(const std::string& sender, UidCallback done) override;
    void check_polkit(const PolkitCheck& check, PolkitCallback done) override;
    // org.freedesktop.DBus.GetNameOwner; nullopt when nobody owns `name`.
    void name_owner(const std::string& name,
                    const std::function<void(std::optional<std::string>)>& done);

    // Whether polkit runs on this bus or can be activated there. Blocking round trips:
    // start-up only.
    bool polkit_available();

  private:
    std::unique_ptr<sdbus::IProxy> bus_;
    std::unique_ptr<sdbus::IProxy> polkit_;
};

}  // namespace sluice
