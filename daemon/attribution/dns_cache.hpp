#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/attribution/dns_message.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

// Which host names an address was recently given for, learned from DNS answers. Each name
// lives for its answer's TTL, clamped to [min_ttl, max_ttl]: applications keep addresses
// longer than a zero or tiny TTL says (and connect after it ran out), and a huge TTL must not
// pin memory. Bounded twice: at most max_addresses addresses (the least recently answered one
// goes first) and max_names_per_address names per address (the least recently answered name
// goes first, so a CDN address shared by thousands of names keeps the latest ones). Owned and
// used by the queue thread only; never blocks.
class DnsCache {
  public:
    struct Limits {
        std::size_t max_addresses = 65536;
        std::size_t max_names_per_address = 16;
        std::chrono::seconds min_ttl{60};
        std::chrono::seconds max_ttl{std::chrono::hours(24)};
    };
    struct Counters {
        std::uint64_t answers = 0;            // address answers learned
        std::uint64_t evicted_addresses = 0;  // dropped while fresh because the cache was full
        std::uint64_t evicted_names = 0;      // dropped while fresh: too many names per address
    };
    using TimePoint = std::chrono::steady_clock::time_point;

    DnsCache() : DnsCache(Limits{}) {}
    explicit DnsCache(Limits limits);

    // `answer.names` must already be lower case without the trailing dot (the parser's form).
    void learn(const DnsAddressAnswer& answer, TimePoint now);
    // Names for `address` whose TTL has not run out, most recently answered first.
    [[nodiscard]] std::vector<std::string> names_of(const IpAddress& address, TimePoint now) const;

    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] const Counters& counters() const { return counters_; }

  private:
    struct Name {
        std::string name;
        TimePoint expires_at;
    };
    struct Entry {
        std::vector<Name> names;  // most recently answered first
        std::list<IpAddress>::iterator recency;
    };
    struct AddressHash {
        std::size_t operator()(const IpAddress& address) const noexcept;
    };

    Limits limits_;
    std::unordered_map<IpAddress, Entry, AddressHash> entries_;
    std::list<IpAddress> recency_;  // most recently answered first
    Counters counters_;
};

}  // namespace sluice
