#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/netfilter/conntrack_event.hpp"
#include "daemon/netfilter/conntrack_tuple.hpp"
#include "daemon/netfilter/mark_layout.hpp"
#include "rules/action.hpp"
#include "rules/connection.hpp"
#include "rules/rule_index.hpp"

namespace sluice {

// One flow conntrack knows, with what sluice decided about it.
struct LiveFlow {
    ConntrackTuple original;  // the key: conntrack's original tuple (before NAT)
    ConntrackTuple reply;
    std::uint32_t conntrack_id = 0;
    std::uint32_t conntrack_mark = 0;
    // The connection as the rules saw it when sluice decided it (process, user, host names);
    // nullopt for flows sluice did not decide (older than the daemon, inbound without
    // firewall.inbound, or protocols other than TCP and UDP).
    std::optional<Connection> connection;
    // From our decision, or from our bits of the ct mark when we did not see the decision.
    MarkDecision decision = MarkDecision::kUndecided;
    std::string rule_id;  // empty unless a rule decided
    std::chrono::system_clock::time_point decided_at{};
    ConntrackCounters counters;  // as of the last dump (refresh); zero without accounting
};

// The live flows of this network namespace keyed by original tuple, joined with the decisions
// the verdict pipeline made. Decisions come first (the verdict lets the first packet on, and
// conntrack confirms the entry after it left the hooks); they wait as "pending" until the
// matching NEW event or dump entry confirms them, and expire unconfirmed after pending_ttl
// (denied flows are never confirmed). A decision matches an entry by the entry's original
// tuple, or by the inverse of its reply tuple when destination NAT ran before our hook.
// Bounded: at most max_flows confirmed and max_pending pending entries; what does not fit is
// counted, not kept. Pure data structure, no syscalls; owned by the queue thread.
class FlowTable {
  public:
    struct Limits {
        std::size_t max_flows = 65536;
        std::size_t max_pending = 16384;
        std::chrono::steady_clock::duration pending_ttl = std::chrono::seconds(10);
    };
    struct Counters {
        std::uint64_t decisions = 0;        // decisions recorded
        std::uint64_t confirmed = 0;        // flows added from NEW events and dumps
        std::uint64_t destroyed = 0;        // flows removed by DESTROY events and dumps
        std::uint64_t dropped_full = 0;     // flows not kept because the table was full
        std::uint64_t pending_expired = 0;  // decisions whose flow never showed up
    };
    // A flow whose decision the new rules change.
    struct Change {
        ConntrackTuple original;
        MarkDecision from = MarkDecision::kUndecided;
        MarkDecision to = MarkDecision::kUndecided;
        std::string rule_id;    // the deciding rule under the new rules; empty for the default
        bool confirmed = true;  // false: decided but not in conntrack yet
    };
    using SteadyTime = std::chrono::steady_clock::time_point;
    using WallTime = std::chrono::system_clock::time_point;

    explicit FlowTable(MarkLayout marks) : FlowTable(marks, Limits{}) {}
    FlowTable(MarkLayout marks, Limits limits);

    // A decision the verdict pipeline just made for `connection` (TCP and UDP only; others are
    // ignored).
    void record_decision(const Connection& connection, MarkDecision decision,
                         std::string_view rule_id, SteadyTime now, WallTime wall_now);
    // A NEW, UPDATE or DESTROY event.
    void apply(const ConntrackEntry& entry, SteadyTime now);
    // A complete dump: entries not in it are gone (their DESTROY event was lost), entries only
    // in it are added (their NEW event was lost), counters and marks are updated.
    void replace_with_dump(const std::vector<ConntrackEntry>& entries, SteadyTime now);

    // Matches every flow sluice decided (allow, deny or reject) against `rules` again, as the
    // verdict pipeline would: the deciding rule's action, else `default_action`. An outcome of
    // prompt leaves the flow alone, because nobody can be asked about a flow that already
    // runs. Flows whose decision changes are updated here and returned, so the caller can
    // rewrite their ct marks.
    std::vector<Change> reevaluate(const RuleIndex& rules, Action default_action,
                                   WallTime wall_now);

    [[nodiscard]] std::vector<LiveFlow> flows() const;
    [[nodiscard]] const LiveFlow* find(const ConntrackTuple& original) const;
    [[nodiscard]] std::size_t size() const { return flows_.size(); }
    [[nodiscard]] std::size_t pending() const { return pending_.size(); }
    [[nodiscard]] const Counters& counters() const { return counters_; }

  private:
    void expire_pending(SteadyTime now);
    // Adds or updates a confirmed flow from an entry, taking over a pending decision.
    void confirm(const ConntrackEntry& entry);
    std::optional<LiveFlow> take_pending(const ConntrackEntry& entry);

    MarkLayout marks_;
    Limits limits_;
    std::unordered_map<ConntrackTuple, LiveFlow, ConntrackTupleHash> flows_;
    struct Pending {
        LiveFlow flow;
        SteadyTime expires_at;
    };
    // Keyed by the tuple of the decided packet.
    std::unordered_map<ConntrackTuple, Pending, ConntrackTupleHash> pending_;
    std::deque<std::pair<ConntrackTuple, SteadyTime>> pending_order_;  // with expiry times
    Counters counters_;
};

}  // namespace sluice
