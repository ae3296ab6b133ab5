#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "daemon/bus_call_gate.hpp"
#include "daemon/bus_prompt_agents.hpp"
#include "daemon/bus_service.hpp"
#include "dbus/fw_daemon_rule.hpp"
#include "dbus/generated/com_subgraph_Firewall_adaptor.h"

namespace sluice {

// com.subgraph.Firewall at /com/subgraph/Firewall (dbus.fw_daemon_compat), so fw-daemon's
// settings tool can list, change and delete rules and switch filtering, with the signatures
// its clients send (dbus/com.subgraph.Firewall.xml). fw-daemon numbers rules; sluice's string
// ids get numbers in order of first sight, stable while the daemon runs. Mutating calls are
// authorized like org.sluice.Firewall1's; bad tuples are InvalidArgs errors, not ignored as
// fw-daemon did. Bus thread only.
class FwDaemonService final : public sdbus::AdaptorInterfaces<com::subgraph::Firewall_adaptor> {
  public:
    FwDaemonService(BusServiceContext context, BusService& service);
    ~FwDaemonService();

  private:
    void SetEnabled(sdbus::Result<>&& result, bool enabled) override;
    bool IsEnabled() override;
    std::vector<FwDaemonRule> ListRules() override;
    void DeleteRule(sdbus::Result<>&& result, std::uint32_t id) override;
    void UpdateRule(sdbus::Result<>&& result, FwDaemonRule rule) override;
    std::map<std::string, sdbus::Variant> GetConfig() override;
    void SetConfig(sdbus::Result<>&& result, std::string key, sdbus::Variant value) override;

    std::string sender() const;
    std::uint32_t number_for(const std::string& id);
    // The rule id numbered `number`; throws NotFound.
    std::string id_for(std::uint32_t number) const;

    BusServiceContext context_;
    BusService& service_;
    std::unordered_map<std::string, std::uint32_t> numbers_;
    std::unordered_map<std::uint32_t, std::string> ids_;
    std::uint32_t next_number_ = 1;
    std::optional<std::int32_t> log_level_;
    bool log_redact_ = false;
};

}  // namespace sluice
