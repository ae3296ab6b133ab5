#pragma once

#include <functional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace sluice::cli {

// Follows which connection owns org.sluice.Firewall1 (NameOwnerChanged, matched on that name
// only), so long-running commands notice sluiced stopping and coming back. Runs on the thread
// driving `bus`.
class DaemonPresence {
  public:
    // Subscribes first, then asks GetNameOwner, so no change between the two is missed.
    explicit DaemonPresence(sdbus::IConnection& bus);

    // The unique name ("":1.42") owning the service, or "" when sluiced is not on the bus.
    [[nodiscard]] const std::string& owner() const { return owner_; }
    [[nodiscard]] bool running() const { return !owner_.empty(); }

    // Called with the new owner ("" when sluiced left) after owner() changed.
    std::function<void(const std::string& new_owner)> on_change;

  private:
    std::string owner_;
    sdbus::Slot match_;
};

}  // namespace sluice::cli
