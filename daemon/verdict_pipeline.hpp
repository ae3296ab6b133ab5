#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "daemon/attribution_source.hpp"
#include "daemon/clock.hpp"
#include "daemon/flow_cache.hpp"
#include "daemon/flow_key.hpp"
#include "daemon/interface_names.hpp"
#include "daemon/netfilter/mark_decision.hpp"
#include "daemon/netfilter/mark_layout.hpp"
#include "daemon/netfilter/queued_packet.hpp"
#include "daemon/netfilter/verdict_sink.hpp"
#include "rules/action.hpp"
#include "rules/connection.hpp"
#include "rules/rule_index.hpp"

namespace sluice {

// Why a connection got its decision; printed in decision logs and counted.
enum class DecisionReason : std::uint8_t {
    kRule,            // a rule matched
    kDefault,         // no rule matched: default_action
    kNoAgent,         // default/rule said prompt, no agent could be asked: prompt.no_agent
    kFlowCache,       // the same flow was decided a moment ago
    kDisabled,        // filtering is switched off
    kUnparsable,      // headers could not be read: the fail posture decides
    kPromptAnswer,    // an agent answered the prompt
    kPromptFallback,  // no answer before prompt.timeout (or the agents asked failed)
    kPromptFull,      // too many connections wait for prompts already: prompt.fallback
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

// A packet the pipeline handed to a PromptGate instead of answering it. NFQUEUE takes verdicts
// in any order, so the packet waits in the kernel queue until decide_parked() names it.
struct ParkedPacket {
    std::uint32_t packet_id = 0;
    std::uint32_t mark = 0;  // the packet's mark when queued; our bits are replaced in the verdict
};

enum class ParkResult : std::uint8_t {
    kParked,   // the gate owns the packet now and will decide it through decide_parked()
    kNoAgent,  // nobody can be asked: prompt.no_agent decides
    kFull,     // bounds reached: prompt.fallback decides
};

// Takes connections whose decision is "prompt" (the prompt broker). Called on the queue
// thread; must not block: asking agents happens asynchronously.
class PromptGate {
  public:
    PromptGate() = default;
    virtual ~PromptGate() = default;
    PromptGate(const PromptGate&) = delete;
    PromptGate& operator=(const PromptGate&) = delete;

    // A new packet of a flow that is already parked (a SYN retransmission, say) joins it
    // without attribution or rule matching. False: the flow is not waiting.
    virtual bool join(const ParkedPacket& packet, const FlowKey& flow) = 0;
    virtual ParkResult park(const ParkedPacket& packet, const FlowKey& flow,
                            const Connection& connection) = 0;
};

struct PipelineSettings {
    MarkLayout marks;
    Action default_action = Action::kPrompt;
    Action no_agent = Action::kAllow;
    Action prompt_fallback = Action::kDeny;  // kAllow or kDeny
    bool fail_open = true;
    // Also write the decision into the ct mark in the verdict (kernel conntrack glue).
    bool set_conntrack_mark = false;
    std::size_t flow_cache_capacity = 65536;
    std::chrono::steady_clock::duration flow_cache_ttl = std::chrono::seconds(30);
};

// Turns each queued packet into a verdict: parse headers, consult the flow cache, attribute,
// match the rules, issue NF_REPEAT with the decision in our mark bits (the firewall chains
// enforce it and save it to the ct mark). A "prompt" outcome goes to the PromptGate, which
// parks the packet and decides it later through decide_parked(). Owned by the queue thread;
// everything it calls is an interface so unit tests drive it with fakes.
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
        std::uint64_t parked = 0;  // handed to the prompt gate
    };

    VerdictPipeline(PipelineSettings settings, VerdictSink& sink, AttributionSource& attribution,
                    const Clock& clock, DecisionListener& listener);

    void on_packet(const QueuedPacket& packet) noexcept;
    // The verdict for a packet the prompt gate parked: cached for the flow, issued, reported
    // to the listeners. The caller flushes the verdict sink.
    void decide_parked(const ParkedPacket& packet, const FlowKey& flow,
                       const Connection& connection, MarkDecision decision, DecisionReason reason,
                       std::string_view rule_id) noexcept;

    // Without a gate (no bus) a "prompt" outcome is decided by prompt.no_agent at once. The
    // gate must outlive the pipeline or be reset to nullptr first.
    void set_prompt_gate(PromptGate* gate) { prompt_gate_ = gate; }
    // Listeners besides the one given to the constructor, told in the order added. Each must
    // outlive the pipeline.
    void add_listener(DecisionListener& listener) { extra_listeners_.push_back(&listener); }
    void remove_listener(DecisionListener& listener) { std::erase(extra_listeners_, &listener); }

    // Swaps the rule set in one step; later packets see only the new one.
    void set_rules(std::shared_ptr<const RuleIndex> rules);
    void set_enabled(bool enabled);
    void set_policy(Action default_action, Action no_agent);
    void set_prompt_fallback(Action fallback) { settings_.prompt_fallback = fallback; }
    [[nodiscard]] bool enabled() const { return enabled_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] const FlowCache& flow_cache() const { return flow_cache_; }

  private:
    void issue(std::uint32_t packet_id, std::uint32_t packet_mark, MarkDecision decision);
    void count(MarkDecision decision);
    void notify(const DecisionRecord& record);

    PipelineSettings settings_;
    VerdictSink& sink_;
    AttributionSource& attribution_;
    const Clock& clock_;
    DecisionListener& listener_;
    std::vector<DecisionListener*> extra_listeners_;
    PromptGate* prompt_gate_ = nullptr;
    std::shared_ptr<const RuleIndex> rules_;
    FlowCache flow_cache_;
    InterfaceNames interface_names_;
    bool enabled_ = true;
    Counters counters_;
};

}  // namespace sluice
