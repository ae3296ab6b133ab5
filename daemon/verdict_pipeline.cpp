#include "daemon/verdict_pipeline.hpp"

#include <linux/netfilter.h>

#include "daemon/netfilter/packet_parser.hpp"

namespace sluice {

std::string_view to_string(DecisionReason reason) {
    switch (reason) {
        case DecisionReason::kRule:
            return "rule";
        case DecisionReason::kDefault:
            return "default";
        case DecisionReason::kNoAgent:
            return "no-agent";
        case DecisionReason::kFlowCache:
            return "flow-cache";
        case DecisionReason::kDisabled:
            return "disabled";
        case DecisionReason::kUnparsable:
            return "unparsable";
        case DecisionReason::kPromptAnswer:
            return "prompt";
        case DecisionReason::kPromptFallback:
            return "prompt-timeout";
        case DecisionReason::kPromptFull:
            return "prompt-full";
    }
    return "?";
}

VerdictPipeline::VerdictPipeline(PipelineSettings settings, VerdictSink& sink,
                                 AttributionSource& attribution, const Clock& clock,
                                 DecisionListener& listener)
    : settings_(settings),
      sink_(sink),
      attribution_(attribution),
      clock_(clock),
      listener_(listener),
      rules_(std::make_shared<const RuleIndex>(std::vector<Rule>{})),
      flow_cache_(settings.flow_cache_capacity, settings.flow_cache_ttl) {}

void VerdictPipeline::set_rules(std::shared_ptr<const RuleIndex> rules) {
    rules_ = std::move(rules);
    flow_cache_.clear();
    interface_names_.clear();
}

void VerdictPipeline::set_enabled(bool enabled) {
    enabled_ = enabled;
    flow_cache_.clear();
}

void VerdictPipeline::set_policy(Action default_action, Action no_agent) {
    settings_.default_action = default_action;
    settings_.no_agent = no_agent;
    flow_cache_.clear();
}

void VerdictPipeline::on_packet(const QueuedPacket& packet) noexcept {
    ++counters_.packets;
    const auto now = clock_.steady_now();
    ParseError parse_error{};
    const auto headers = parse_packet(packet.payload, &parse_error);

    Connection connection;
    connection.direction = packet.hook == QueueHook::kLocalIn ? Direction::kIn : Direction::kOut;
    if (!headers) {
        ++counters_.unparsable;
        const auto decision = settings_.fail_open ? MarkDecision::kAllow : MarkDecision::kDeny;
        issue(packet.packet_id, packet.mark, decision);
        notify({connection, decision, DecisionReason::kUnparsable, {}});
        return;
    }

    const FlowKey key{headers->source, headers->destination, headers->source_port,
                      headers->destination_port, headers->protocol_number};
    const bool outbound = connection.direction == Direction::kOut;
    connection.protocol = headers->protocol;
    connection.local_address = outbound ? headers->source : headers->destination;
    connection.remote_address = outbound ? headers->destination : headers->source;
    connection.local_port = outbound ? headers->source_port : headers->destination_port;
    connection.remote_port = outbound ? headers->destination_port : headers->source_port;

    if (const auto* cached = flow_cache_.find(key, now)) {
        ++counters_.from_flow_cache;
        const MarkDecision decision = cached->decision;
        issue(packet.packet_id, packet.mark, decision);
        notify({connection, decision, DecisionReason::kFlowCache, cached->rule_id});
        return;
    }
    const ParkedPacket parked{packet.packet_id, packet.mark};
    if (enabled_ && prompt_gate_ != nullptr && prompt_gate_->join(parked, key)) {
        ++counters_.parked;
        return;
    }

    connection.interface =
        interface_names_.name_of(outbound ? packet.out_interface : packet.in_interface);
    connection.uid = packet.uid;
    connection.gid = packet.gid;

    MarkDecision decision = MarkDecision::kAllowDisabled;
    DecisionReason reason = DecisionReason::kDisabled;
    std::string rule_id;
    if (enabled_) {
        attribution_.attribute(packet, connection);
        const Rule* rule = rules_->match(connection, clock_.wall_now());
        Action action = settings_.default_action;
        reason = DecisionReason::kDefault;
        if (rule != nullptr) {
            action = rule->action;
            rule_id = rule->id;
            reason = DecisionReason::kRule;
        }
        if (action == Action::kPrompt) {
            const ParkResult result = prompt_gate_ != nullptr
                                          ? prompt_gate_->park(parked, key, connection)
                                          : ParkResult::kNoAgent;
            if (result == ParkResult::kParked) {
                // No verdict and no flow-cache entry yet: the broker decides later, and packets
                // of this flow that arrive meanwhile join the wait.
                ++counters_.parked;
                return;
            }
            const bool full = result == ParkResult::kFull;
            action = full ? settings_.prompt_fallback : settings_.no_agent;
            reason = full ? DecisionReason::kPromptFull : DecisionReason::kNoAgent;
        }
        decision = mark_decision_for(action);
        if (decision == MarkDecision::kUndecided) {
            // An undecided mark would send the packet straight back to the queue.
            decision = settings_.fail_open ? MarkDecision::kAllow : MarkDecision::kDeny;
        }
    }
    flow_cache_.insert(key, decision, rule_id, now);
    issue(packet.packet_id, packet.mark, decision);
    notify({connection, decision, reason, rule_id});
}

void VerdictPipeline::decide_parked(const ParkedPacket& packet, const FlowKey& flow,
                                    const Connection& connection, MarkDecision decision,
                                    DecisionReason reason, std::string_view rule_id) noexcept {
    if (decision == MarkDecision::kUndecided) {
        decision = settings_.fail_open ? MarkDecision::kAllow : MarkDecision::kDeny;
    }
    // Retransmissions that arrive after this verdict (before conntrack carries the mark) are
    // answered from the cache instead of being prompted again.
    flow_cache_.insert(flow, decision, std::string(rule_id), clock_.steady_now());
    issue(packet.packet_id, packet.mark, decision);
    notify({connection, decision, reason, rule_id});
}

void VerdictPipeline::notify(const DecisionRecord& record) {
    listener_.on_decision(record);
    for (auto* listener : extra_listeners_) {
        listener->on_decision(record);
    }
}

void VerdictPipeline::issue(std::uint32_t packet_id, std::uint32_t packet_mark,
                            MarkDecision decision) {
    count(decision);
    PacketVerdict verdict;
    verdict.packet_id = packet_id;
    // NF_REPEAT sends the packet through the hook again: our chain sees the decision in the
    // mark, saves it to the ct mark and applies it, so the admin's later rules still apply.
    verdict.kind = NF_REPEAT;
    verdict.mark = settings_.marks.apply(packet_mark, decision);
    if (settings_.set_conntrack_mark) {
        verdict.conntrack_mark = settings_.marks.value(decision);
        verdict.conntrack_mark_mask = settings_.marks.mask();
    }
    sink_.issue(verdict);
}

void VerdictPipeline::count(MarkDecision decision) {
    switch (decision) {
        case MarkDecision::kAllow:
            ++counters_.allowed;
            break;
        case MarkDecision::kDeny:
            ++counters_.denied;
            break;
        case MarkDecision::kReject:
            ++counters_.rejected;
            break;
        case MarkDecision::kAllowDisabled:
            ++counters_.allowed_disabled;
            break;
        case MarkDecision::kUndecided:
            break;
    }
}

}  // namespace sluice
