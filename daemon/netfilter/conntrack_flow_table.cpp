#include "daemon/netfilter/conntrack_flow_table.hpp"

#include <unordered_set>

#include "daemon/netfilter/mark_decision.hpp"

namespace sluice {

namespace {

bool is_rule_decision(MarkDecision decision) {
    return decision == MarkDecision::kAllow || decision == MarkDecision::kDeny ||
           decision == MarkDecision::kReject;
}

// The tuple of a connection's first packet, as conntrack's original tuple would show it when
// no NAT ran before our hook.
ConntrackTuple tuple_of(const Connection& connection) {
    const auto protocol = static_cast<std::uint8_t>(connection.protocol);
    if (connection.direction == Direction::kOut) {
        return {connection.local_address, connection.remote_address, connection.local_port,
                connection.remote_port, protocol};
    }
    return {connection.remote_address, connection.local_address, connection.remote_port,
            connection.local_port, protocol};
}

}  // namespace

FlowTable::FlowTable(MarkLayout marks, Limits limits) : marks_(marks), limits_(limits) {}

void FlowTable::record_decision(const Connection& connection, MarkDecision decision,
                                std::string_view rule_id, SteadyTime now, WallTime wall_now) {
    if ((connection.protocol != Protocol::kTcp && connection.protocol != Protocol::kUdp) ||
        decision == MarkDecision::kUndecided) {
        return;
    }
    ++counters_.decisions;
    expire_pending(now);
    const ConntrackTuple tuple = tuple_of(connection);
    LiveFlow flow;
    flow.original = tuple;
    flow.reply = tuple.inverse();
    flow.connection = connection;
    flow.decision = decision;
    flow.rule_id = std::string(rule_id);
    flow.decided_at = wall_now;

    if (const auto known = flows_.find(tuple); known != flows_.end()) {
        // Decided again, e.g. after its entry was deleted and a packet made a new one.
        known->second.connection = std::move(flow.connection);
        known->second.decision = decision;
        known->second.rule_id = std::move(flow.rule_id);
        known->second.decided_at = wall_now;
        return;
    }
    const SteadyTime expires_at = now + limits_.pending_ttl;
    pending_.insert_or_assign(tuple, Pending{std::move(flow), expires_at});
    pending_order_.emplace_back(tuple, expires_at);
    while (pending_.size() > limits_.max_pending && !pending_order_.empty()) {
        const auto oldest = pending_order_.front();
        pending_order_.pop_front();
        const auto found = pending_.find(oldest.first);
        if (found != pending_.end() && found->second.expires_at == oldest.second) {
            pending_.erase(found);
            ++counters_.pending_expired;
        }
    }
}

void FlowTable::expire_pending(SteadyTime now) {
    while (!pending_order_.empty() && pending_order_.front().second <= now) {
        const auto oldest = pending_order_.front();
        pending_order_.pop_front();
        const auto found = pending_.find(oldest.first);
        // A later decision for the same tuple pushed its own, later expiry.
        if (found != pending_.end() && found->second.expires_at == oldest.second) {
            pending_.erase(found);
            ++counters_.pending_expired;
        }
    }
}

std::optional<LiveFlow> FlowTable::take_pending(const ConntrackEntry& entry) {
    for (const auto& key : {entry.original, entry.reply.inverse()}) {
        if (const auto found = pending_.find(key); found != pending_.end()) {
            LiveFlow flow = std::move(found->second.flow);
            pending_.erase(found);
            return flow;
        }
    }
    return std::nullopt;
}

void FlowTable::confirm(const ConntrackEntry& entry) {
    if (const auto known = flows_.find(entry.original); known != flows_.end()) {
        LiveFlow& flow = known->second;
        flow.reply = entry.reply;
        flow.conntrack_id = entry.id;
        flow.conntrack_mark = entry.mark;
        if (!flow.connection) {
            flow.decision = marks_.decision_of(entry.mark);
        }
        return;
    }
    LiveFlow flow = take_pending(entry).value_or(LiveFlow{});
    if (flows_.size() >= limits_.max_flows) {
        ++counters_.dropped_full;
        return;
    }
    flow.original = entry.original;
    flow.reply = entry.reply;
    flow.conntrack_id = entry.id;
    flow.conntrack_mark = entry.mark;
    if (!flow.connection) {
        flow.decision = marks_.decision_of(entry.mark);
    }
    flows_.emplace(entry.original, std::move(flow));
    ++counters_.confirmed;
}

void FlowTable::apply(const ConntrackEntry& entry, SteadyTime now) {
    expire_pending(now);
    if (entry.type == ConntrackEventType::kDestroy) {
        if (flows_.erase(entry.original) > 0) {
            ++counters_.destroyed;
        }
        pending_.erase(entry.original);
        pending_.erase(entry.reply.inverse());
        return;
    }
    confirm(entry);
}

void FlowTable::replace_with_dump(const std::vector<ConntrackEntry>& entries, SteadyTime now) {
    expire_pending(now);
    std::unordered_set<ConntrackTuple, ConntrackTupleHash> present;
    present.reserve(entries.size());
    for (const auto& entry : entries) {
        confirm(entry);
        if (const auto flow = flows_.find(entry.original); flow != flows_.end()) {
            flow->second.counters = entry.counters;
        }
        present.insert(entry.original);
    }
    counters_.destroyed += std::erase_if(
        flows_, [&](const auto& item) { return present.find(item.first) == present.end(); });
}

std::vector<FlowTable::Change> FlowTable::reevaluate(const RuleIndex& rules, Action default_action,
                                                     WallTime wall_now) {
    std::vector<Change> changes;
    const auto check = [&](LiveFlow& flow, bool confirmed) {
        if (!flow.connection || !is_rule_decision(flow.decision)) {
            return;
        }
        const Rule* rule = rules.match(*flow.connection, wall_now);
        const MarkDecision decision =
            mark_decision_for(rule != nullptr ? rule->action : default_action);
        if (decision == MarkDecision::kUndecided) {
            return;
        }
        std::string rule_id = rule != nullptr ? rule->id : std::string();
        if (decision != flow.decision) {
            changes.push_back({flow.original, flow.decision, decision, rule_id, confirmed});
            flow.decision = decision;
        }
        flow.rule_id = std::move(rule_id);
    };
    for (auto& [tuple, flow] : flows_) {
        check(flow, true);
    }
    for (auto& [tuple, pending] : pending_) {
        check(pending.flow, false);
    }
    return changes;
}

std::vector<LiveFlow> FlowTable::flows() const {
    std::vector<LiveFlow> result;
    result.reserve(flows_.size());
    for (const auto& [tuple, flow] : flows_) {
        result.push_back(flow);
    }
    return result;
}

const LiveFlow* FlowTable::find(const ConntrackTuple& original) const {
    const auto found = flows_.find(original);
    return found == flows_.end() ? nullptr : &found->second;
}

}  // namespace sluice
