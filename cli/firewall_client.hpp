#pragma once

#include <functional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "cli/bus_value.hpp"
#include "firewall1_proxy.h"

namespace sluice::cli {

inline constexpr const char* kFirewallObjectPath = "/org/sluice/Firewall1";

// The generated org.sluice.Firewall1 proxy on a connection the caller owns and drives: method
// calls block until sluiced answers (sd-bus default timeout) and throw sdbus::Error on an error
// reply; signals arrive while the caller's loop processes the connection, on that thread.
class FirewallClient final : public sdbus::ProxyInterfaces<org::sluice::Firewall1_proxy> {
  public:
    explicit FirewallClient(sdbus::IConnection& bus);
    ~FirewallClient();
    FirewallClient(const FirewallClient&) = delete;
    FirewallClient& operator=(const FirewallClient&) = delete;
    FirewallClient(FirewallClient&&) = delete;
    FirewallClient& operator=(FirewallClient&&) = delete;

    // Set before the loop runs (monitor); unset handlers ignore their signal.
    std::function<void(const VariantDict& connection)> on_connection_decided;
    std::function<void(const std::string& prompt_id, const VariantDict& connection)>
        on_prompt_pending;

  private:
    void onRuleAdded(const std::string& id, const VariantDict& rule) override;
    void onRuleRemoved(const std::string& id) override;
    void onRuleChanged(const std::string& id, const VariantDict& rule) override;
    void onConnectionDecided(const VariantDict& connection) override;
    void onPromptPending(const std::string& prompt_id, const VariantDict& connection) override;
};

}  // namespace sluice::cli
