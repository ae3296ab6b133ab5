#include "daemon/flow_cache.hpp"

namespace sluice {

FlowCache::FlowCache(std::size_t capacity, std::chrono::steady_clock::duration ttl)
    : capacity_(capacity), ttl_(ttl) {}

const FlowCache::Entry* FlowCache::find(const FlowKey& key,
                                        std::chrono::steady_clock::time_point now) {
    const auto found = entries_.find(key);
    if (found == entries_.end() || found->second.expires_at <= now) {
        return nullptr;
    }
    ++counters_.hits;
    return &found->second;
}

void FlowCache::insert(const FlowKey& key, MarkDecision decision, std::string rule_id,
                       std::chrono::steady_clock::time_point now) {
    expire(now);
    while (entries_.size() >= capacity_ && !order_.empty()) {
        const auto [oldest, expires_at] = order_.front();
        order_.pop_front();
        const auto found = entries_.find(oldest);
        if (found != entries_.end() && found->second.expires_at == expires_at) {
            entries_.erase(found);
            ++counters_.evictions;
        }
    }
    const auto expires_at = now + ttl_;
    entries_.insert_or_assign(key, Entry{decision, std::move(rule_id), expires_at});
    order_.emplace_back(key, expires_at);
    ++counters_.insertions;
}

void FlowCache::clear() {
    entries_.clear();
    order_.clear();
}

void FlowCache::expire(std::chrono::steady_clock::time_point now) {
    while (!order_.empty() && order_.front().second <= now) {
        const auto found = entries_.find(order_.front().first);
        if (found != entries_.end() && found->second.expires_at == order_.front().second) {
            entries_.erase(found);
        }
        order_.pop_front();
    }
}

}  // namespace sluice
