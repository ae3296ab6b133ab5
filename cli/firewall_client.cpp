#include "cli/firewall_client.hpp"

#include "cli/bus_failure.hpp"

namespace sluice::cli {

FirewallClient::FirewallClient(sdbus::IConnection& bus)
    : ProxyInterfaces(bus, std::string(kFirewallService), kFirewallObjectPath) {
    registerProxy();
}

FirewallClient::~FirewallClient() {
    unregisterProxy();
}

void FirewallClient::onRuleAdded(const std::string& /*id*/, const VariantDict& /*rule*/) {}

void FirewallClient::onRuleRemoved(const std::string& /*id*/) {}

void FirewallClient::onRuleChanged(const std::string& /*id*/, const VariantDict& /*rule*/) {}

void FirewallClient::onConnectionDecided(const VariantDict& connection) {
    if (on_connection_decided) {
        on_connection_decided(connection);
    }
}

void FirewallClient::onPromptPending(const std::string& prompt_id, const VariantDict& connection) {
    if (on_prompt_pending) {
        on_prompt_pending(prompt_id, connection);
    }
}

}  // namespace sluice::cli
