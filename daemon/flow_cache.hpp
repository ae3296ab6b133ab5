#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "daemon/flow_key.hpp"
#include "daemon/netfilter/mark_layout.hpp"

namespace sluice {

// Recent decisions by flow, so packets of a flow that were queued before its first verdict
// landed, and retransmissions of denied flows (never confirmed in conntrack, so never marked),
// are answered without evaluating the rules again. Bounded: entries expire after `ttl` and the
// oldest is evicted when full. Queue thread only.
class FlowCache {
  public:
    struct Entry {
        MarkDecision decision = MarkDecision::kUndecided;
        std::string rule_id;
        std::chrono::steady_clock::time_point expires_at;
    };
    struct Counters {
        std::uint64_t hits = 0;
        std::uint64_t insertions = 0;
        std::uint64_t evictions = 0;  // dropped while still fresh because the cache was full
    };

    FlowCache(std::size_t capacity, std::chrono::steady_clock::duration ttl);

    const Entry* find(const FlowKey& key, std::chrono::steady_clock::time_point now);
    void insert(const FlowKey& key, MarkDecision decision, std::string rule_id,
                std::chrono::steady_clock::time_point now);
    // Rules changed: every cached decision may be wrong now.
    void clear();
    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] const Counters& counters() const { return counters_; }

  private:
    void expire(std::chrono::steady_clock::time_point now);

    std::size_t capacity_;
    std::chrono::steady_clock::duration ttl_;
    std::unordered_map<FlowKey, Entry, FlowKeyHash> entries_;
    // Insertion order with each insertion's expiry; stale items (re-inserted or cleared keys)
    // are skipped when they reach the front.
    std::deque<std::pair<FlowKey, std::chrono::steady_clock::time_point>> order_;
    Counters counters_;
};

}  // namespace sluice
