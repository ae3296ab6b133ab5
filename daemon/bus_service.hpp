#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/bus_call_gate.hpp"
#include "daemon/bus_connection.hpp"
#include "daemon/bus_prompt_agents.hpp"
#include "daemon/clock.hpp"
#include "daemon/config.hpp"
#include "daemon/prompt_broker.hpp"
#include "daemon/rate_limiter.hpp"
#include "daemon/rule_hits.hpp"
#include "daemon/verdict_pipeline.hpp"
#include "dbus/generated/org_sluice_Firewall1_adaptor.h"
#include "dbus/rule_dict.hpp"

namespace sluice {

class RuleService;

// What the Firewall1 object works on; everything outlives it.
struct BusServiceContext {
    BusConnection& bus;
    const Config& config;  // the daemon's running config (reload updates it)
    RuleService& rules;
    VerdictPipeline& pipeline;
    PromptBroker& broker;
    BusPromptAgents& agents;
    BusCallGate& gate;
    RuleHits& hits;
    const Clock& clock;
    std::shared_ptr<spdlog::logger> logger;
    std::function<void()> reload;                           // as SIGHUP: config and rules
    std::function<std::vector<VariantDict>()> connections;  // live flows for ListConnections
};

// org.sluice.Firewall1 at /org/sluice/Firewall1 (dbus/org.sluice.Firewall1.xml,
// spec/dbus.md). Reads are answered at once; every mutating call is first authorized
// (BusCallGate, asynchronously) and answered when that is done; every call counts against the
// caller's budget (Error.Busy over it). Also the DecisionListener that emits
// ConnectionDecided, rate-limited to kDecidedSignalsPerSecond. Runs on the bus thread, which
// is the queue thread.
class BusService final : public sdbus::AdaptorInterfaces<org::sluice::Firewall1_adaptor>,
                         public DecisionListener {
  public:
    static constexpr double kDecidedSignalsPerSecond = 50.0;

    explicit BusService(BusServiceContext context);
    ~BusService() override;

    // Signals for changes made outside a client call (prompt answers, process rules ending).
    void announce_added(const std::string& id);
    void announce_changed(const std::string& id);
    void announce_removed(const std::string& id);
    void announce_prompt(const std::string& prompt_id, const VariantDict& connection);
    void on_decision(const DecisionRecord& record) override;

    // The dict of the rule `id` (rule fields, source, hits); empty when there is none.
    VariantDict rule_dict(const std::string& id) const;
    // Adds a state rule, giving it a fresh "state-<16 hex digits>" id when it has none.
    Result<std::string> add_rule(Rule rule);
    // Switches filtering (SetEnabled of either interface); off decides pending prompts.
    void set_enabled(bool enabled);
    [[nodiscard]] bool is_admin_rule(const Rule& rule) const;
    // The rule `id`, if a client may change it; throws NotFound or AccessDenied otherwise.
    const Rule& editable_rule(const std::string& id) const;

  private:
    std::vector<std::map<std::string, sdbus::Variant>> ListRules() override;
    std::map<std::string, sdbus::Variant> GetRule(const std::string& id) override;
    void AddRule(sdbus::Result<std::string>&& result,
                 std::map<std::string, sdbus::Variant> rule) override;
    void UpdateRule(sdbus::Result<>&& result, std::string id,
                    std::map<std::string, sdbus::Variant> rule) override;
    void RemoveRule(sdbus::Result<>&& result, std::string id) override;
    std::vector<std::map<std::string, sdbus::Variant>> ListConnections() override;
    std::map<std::string, sdbus::Variant> GetStatus() override;
    void SetEnabled(sdbus::Result<>&& result, bool enabled) override;
    void Reload(sdbus::Result<>&& result) override;
    void RegisterAgent(sdbus::Result<>&& result, sdbus::ObjectPath path) override;
    void UnregisterAgent(const sdbus::ObjectPath& path) override;
    std::string Version() override;
    bool Enabled() override;
    std::string DefaultAction() override;
    std::string Fail() override;

    std::string sender() const;
    void admit() { context_.gate.admit(sender()); }

    std::string source_of(const Rule& rule) const;

    BusServiceContext context_;
    RateLimiter decided_signals_;
    std::uint64_t decided_signals_dropped_ = 0;
};

}  // namespace sluice
