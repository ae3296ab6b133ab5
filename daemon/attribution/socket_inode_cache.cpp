#include "daemon/attribution/socket_inode_cache.hpp"

#include <algorithm>
#include <vector>

namespace sluice {

SocketInodeCache::SocketInodeCache(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

void SocketInodeCache::record(std::uint64_t inode, const SocketHolder& holder) {
    const auto found = holders_.find(inode);
    if (found != holders_.end()) {
        found->second.holder = holder;
        return;
    }
    while (holders_.size() >= capacity_ && !order_.empty()) {
        const Recorded oldest = order_.front();
        order_.pop_front();
        const auto victim = holders_.find(oldest.inode);
        if (victim != holders_.end() && victim->second.sequence == oldest.sequence) {
            holders_.erase(victim);
        }
    }
    const std::uint64_t sequence = next_sequence_++;
    holders_.emplace(inode, Slot{holder, sequence});
    order_.push_back({inode, sequence});
    if (order_.size() > 2 * capacity_) {
        compact();
    }
}

std::optional<SocketHolder> SocketInodeCache::find(std::uint64_t inode) const {
    const auto found = holders_.find(inode);
    if (found == holders_.end()) {
        return std::nullopt;
    }
    return found->second.holder;
}

void SocketInodeCache::forget(std::uint64_t inode) {
    holders_.erase(inode);
}

void SocketInodeCache::compact() {
    // Forgotten inodes leave their pair behind in order_; rebuild it from the live entries.
    std::vector<Recorded> live;
    live.reserve(holders_.size());
    for (const auto& [inode, slot] : holders_) {
        live.push_back({inode, slot.sequence});
    }
    std::sort(live.begin(), live.end(),
              [](const Recorded& a, const Recorded& b) { return a.sequence < b.sequence; });
    order_.assign(live.begin(), live.end());
}

}  // namespace sluice
