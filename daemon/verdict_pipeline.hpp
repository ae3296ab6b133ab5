#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "daemon/attribution_source.hpp"
#include "daemon/clock.hpp"
#include "daemon/flow_cache.hpp"
#include "daemon/interface_names.hpp"
#include "daemon/netfilter/mark_layout.hpp"
#include "daemon/netfilter/queued_packet.hpp"
#include "daemon/netfilter/verdict_sink.hpp"
#include "rules/action.hpp"
#include "rules/connection.hpp"
#include "rules/rule_index.hpp"

namespace sluice {

// Why a connection got its decision; printed in decision logs and counted.
enum class DecisionReason : std::uint8_t {
    kRule,        // a rule matched
    kDefault,     // no rule matched: default_action
    kNoAgent,     // default/rule said prompt, no agent could be asked: prompt.no_agent
    kFlowCache,   // the same flow was decided a moment ago
    kDisabled,    // filtering is switched off
    kUnparsable,  // headers could not be read: the fail posture decides
};
std::string_view to_string(DecisionReason reason);

struct DecisionRecord {
    const Connection& connection;
    MarkDecision decision;
    DecisionReason reason;
    std::string_view rule_id;  // empty unless a rule decided (or the cached decision had one)
};

// Told about every decision, on the queue thread; must not block (log, count, queue a signal).
class DecisionListener {
  public:
    DecisionListener() = default;
    virtual ~DecisionListener() = default;
    DecisionListener(const DecisionListener&) = delete;
    DecisionListener& operator=(const DecisionListener&) = delete;
    virtual void on_decision(const DecisionRecord& record) = 0;
};

struct PipelineSettings {
    MarkLayout marks;
    Action default_action = Action::kPrompt;
    Action no_agent = Action::kAllow;
    bool fail_open = true;
    // Also write the decision into the ct mark in the verdict (kernel conntrack glue).
    bool set_conntrack_mark = false;
    std::size_t flow_cache_capacity = 65536;
    std::chrono::steady_clock::duration flow_cache_ttl = std::chrono::seconds(30);
};

// Turns each queued packet into a verdict: parse headers, consult the flow cache, attribute,
// match the rules, issue NF_REPEAT with the decision in our mark bits (the firewall chains
// enforce it and save it to the ct mark). Owned by the queue thread; everything it calls is
// an interface so unit tests drive it with fakes.
class VerdictPipeline {
  public:
    struct Counters {
        std::uint64_t packets = 0;
        std::uint64_t unparsable = 0;
        std::uint64_t allowed = 0;
        std::uint64_t denied = 0;
        std::uint64_t rejected = 0;
        std::uint64_t allowed_disabled = 0;
        std::uint64_t from_flow_cache = 0;
    };

    VerdictPipeline(PipelineSettings settings, VerdictSink& sink, AttributionSource& attribution,
                    const Clock& clock, DecisionListener& listener);

    void on_packet(const QueuedPacket& packet) noexcept;

    // Swaps the rule set in one step; later packets see only the new one.
    void set_rules(std::shared_ptr<const RuleIndex> rules);
    void set_enabled(bool enabled);
    void set_policy(Action default_action, Action no_agent);
    [[nodiscard]] bool enabled() const { return enabled_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] const FlowCache& flow_cache() const { return flow_cache_; }

  private:
    void issue(const QueuedPacket& packet, MarkDecision decision);
    void count(MarkDecision decision);

    PipelineSettings settings_;
    VerdictSink& sink_;
    AttributionSource& attribution_;
    const Clock& clock_;
    DecisionListener& listener_;
    std::shared_ptr<const RuleIndex> rules_;
    FlowCache flow_cache_;
    InterfaceNames interface_names_;
    bool enabled_ = true;
    Counters counters_;
};

MarkDecision mark_decision_for(Action action);

}  // namespace sluice
