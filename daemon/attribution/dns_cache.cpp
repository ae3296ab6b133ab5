#include "daemon/attribution/dns_cache.hpp"

#include <algorithm>

namespace sluice {

std::size_t DnsCache::AddressHash::operator()(const IpAddress& address) const noexcept {
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
    for (const std::uint8_t byte : address.bytes()) {
        hash = (hash ^ byte) * 1099511628211ull;
    }
    return static_cast<std::size_t>(hash);
}

DnsCache::DnsCache(Limits limits) : limits_(limits) {
    limits_.max_addresses = std::max<std::size_t>(limits_.max_addresses, 1);
    limits_.max_names_per_address = std::max<std::size_t>(limits_.max_names_per_address, 1);
}

void DnsCache::learn(const DnsAddressAnswer& answer, TimePoint now) {
    if (answer.names.empty()) {
        return;
    }
    ++counters_.answers;
    const auto ttl = std::clamp<std::chrono::seconds>(std::chrono::seconds(answer.ttl_seconds),
                                                      limits_.min_ttl, limits_.max_ttl);
    const TimePoint expires_at = now + ttl;

    auto found = entries_.find(answer.address);
    if (found == entries_.end()) {
        if (entries_.size() >= limits_.max_addresses) {
            const IpAddress oldest = recency_.back();
            recency_.pop_back();
            entries_.erase(oldest);
            ++counters_.evicted_addresses;
        }
        recency_.push_front(answer.address);
        found = entries_.emplace(answer.address, Entry{{}, recency_.begin()}).first;
    } else {
        recency_.splice(recency_.begin(), recency_, found->second.recency);
    }

    auto& names = found->second.names;
    std::erase_if(names, [now](const Name& name) { return name.expires_at <= now; });
    // The chain's names are inserted last-to-first so that the question name ends up first.
    for (auto name = answer.names.rbegin(); name != answer.names.rend(); ++name) {
        std::erase_if(names, [&](const Name& known) { return known.name == *name; });
        names.insert(names.begin(), Name{*name, expires_at});
    }
    if (names.size() > limits_.max_names_per_address) {
        counters_.evicted_names += names.size() - limits_.max_names_per_address;
        names.resize(limits_.max_names_per_address);
    }
}

std::vector<std::string> DnsCache::names_of(const IpAddress& address, TimePoint now) const {
    std::vector<std::string> result;
    const auto found = entries_.find(address);
    if (found == entries_.end()) {
        return result;
    }
    for (const auto& name : found->second.names) {
        if (name.expires_at > now) {
            result.push_back(name.name);
        }
    }
    return result;
}

}  // namespace sluice
