#pragma once

#include <sdbus-c++/Types.h>
#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "daemon/bus_call_gate.hpp"
#include "daemon/bus_connection.hpp"
#include "daemon/bus_prompt_agents.hpp"
#include "daemon/bus_queries.hpp"
#include "daemon/bus_service.hpp"
#include "daemon/call_limiter.hpp"
#include "daemon/clock.hpp"
#include "daemon/config.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/fw_daemon_service.hpp"
#include "daemon/prompt_broker.hpp"
#include "daemon/rule_hits.hpp"
#include "daemon/scoped_rules.hpp"
#include "daemon/verdict_pipeline.hpp"
#include "dbus/authorizer.hpp"

namespace sluice {

class RuleService;

// What the daemon lends the bus side; all of it outlives the BusStack.
struct BusStackParts {
    const Config& config;  // the running config; reload updates it, then apply_config()
    EventLoop& loop;
    VerdictPipeline& pipeline;
    RuleService& rules;
    const Clock& clock;
    std::shared_ptr<spdlog::logger> logger;
    std::function<void()> flush_verdicts;  // send verdicts issued outside a queue batch
    std::function<void()> reload;          // D-Bus Reload: what SIGHUP does
    std::function<std::vector<VariantDict>()> connections;  // ListConnections
};

// Everything D-Bus in sluiced, wired together: the bus connection in the event loop, the
// org.sluice.Firewall1 object (and com.subgraph.Firewall with dbus.fw_daemon_compat),
// authorization, per-client call budgets, the prompt agents and the prompt broker that the
// verdict pipeline parks "prompt" connections with, the deadline timer of pending prompts,
// and process-scoped rules. One thread: the queue thread (docs/dbus.md). It is the broker's
// PromptEffects: verdicts go to the pipeline, answers become rules in the rule service.
class BusStack final : private PromptEffects {
  public:
    // Connects to dbus.bus, serves the objects, owns the bus names and attaches the pipeline.
    // Errors (no bus, a name owned by another process) mean exit code 2.
    static Result<std::unique_ptr<BusStack>> start(BusStackParts parts);
    ~BusStack() override;
    BusStack(const BusStack&) = delete;
    BusStack& operator=(const BusStack&) = delete;

    // Gives every pending prompt prompt.fallback: at stop, before the queue closes.
    void stop();
    // The config was reloaded: prompt.timeout and prompt.fallback apply from now on.
    void apply_config();
    // Call after every rule change (RuleService::on_change): process rules get watched.
    void rules_changed();

  private:
    BusStack(BusStackParts parts, std::unique_ptr<BusConnection> bus);
    Result<void> setup();
    PromptSettings prompt_settings() const;
    void on_name_owner_changed(sdbus::Message& message);
    void find_fw_prompter(const std::string& owner);
    void on_deadline();

    void decide(const ParkedPacket& packet, const FlowKey& flow, const Connection& connection,
                MarkDecision decision, DecisionReason reason, std::string_view rule_id) override;
    std::string make_rule(const PromptAnswer& answer, const Connection& connection) override;
    void flush() override;
    void schedule(std::optional<std::chrono::steady_clock::time_point> deadline) override;

    BusStackParts parts_;
    std::unique_ptr<BusConnection> bus_;
    std::unique_ptr<SdbusQueries> queries_;
    std::unique_ptr<Authorizer> authorizer_;
    CallLimiter limiter_{CallLimiter::Limits{}};
    std::unique_ptr<BusCallGate> gate_;
    std::unique_ptr<BusPromptAgents> agents_;
    std::unique_ptr<PromptBroker> broker_;
    RuleHits hits_;
    std::unique_ptr<BusService> service_;
    std::unique_ptr<FwDaemonService> fw_service_;
    std::unique_ptr<ScopedRules> scoped_;
    Fd deadline_timer_;
    sdbus::Slot name_watch_;
    bool attached_ = false;
};

}  // namespace sluice
