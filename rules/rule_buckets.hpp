#pragma once

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sluice {

// A read-only hash map from a key a rule names (an exe path, a host, a masked address...) to
// the ordinals of the rules that name it, ascending. Built once, then only read, from any
// thread. Compact on purpose, because a million-rule index holds an entry per rule: one
// vector of entries (key, its hash, and the rule itself when only one rule names the key, the
// common case), one vector of ordinals for keys several rules share, and an open-addressing
// table of 32-bit entry numbers at most half full. No node or allocation per entry, and a
// lookup reads about three cache lines: a slot, an entry, the key's text. In front of the
// table a blocked Bloom filter (one byte per key, two bits in one 64-bit word) turns away
// about 19 of 20 keys that are not there after one read of a structure small enough to stay
// in cache: a connection probes some twenty tables, nearly all for keys no rule names, and at
// a million rules each probe of the table itself would be a cache miss.
//
// `Hash` returns a std::size_t that is mixed again here, so std::hash of an integer (the
// identity in libstdc++) is fine. Keys that view strings must outlive the buckets.
template <typename Key, typename Hash = std::hash<Key>>
class RuleBuckets {
  public:
    class Builder {
      public:
        void add(Key key, std::uint32_t rule) { entries_.emplace_back(std::move(key), rule); }
        [[nodiscard]] RuleBuckets build() &&;

      private:
        std::vector<std::pair<Key, std::uint32_t>> entries_;
    };

    // The rules naming `key`, in load order; empty when none does. Valid as long as the
    // buckets.
    [[nodiscard]] std::span<const std::uint32_t> find(const Key& key) const {
        if (entries_.empty()) {
            return {};
        }
        if constexpr (kTextKeys) {
            // Lookups probe every suffix of a host name and every directory of a path; most of
            // those lengths are no key's length, and checking costs no memory access to speak of.
            if (key.size() < lengths_.size() && !lengths_[key.size()]) {
                return {};
            }
        }
        const std::size_t hash = spread(Hash{}(key));
        const std::uint64_t bits = filter_bits(hash);
        if ((filter_[filter_word(hash)] & bits) != bits) {
            return {};
        }
        const auto tag = static_cast<std::uint32_t>(hash >> 32);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
            const std::uint32_t number = slots_[slot];
            if (number == 0) {
                return {};
            }
            const Entry& entry = entries_[number - 1];
            if (entry.tag == tag && entry.key == key) {
                if (entry.count == 1) {
                    return {&entry.first, 1};
                }
                return std::span<const std::uint32_t>(members_).subspan(entry.first, entry.count);
            }
        }
    }
    [[nodiscard]] bool empty() const { return entries_.empty(); }
    [[nodiscard]] std::size_t key_count() const { return entries_.size(); }

  private:
    static constexpr bool kTextKeys = std::is_same_v<Key, std::string_view>;
    // Keys of text at least this long are always probed.
    static constexpr std::size_t kLengthFilterSize = 512;

    struct Entry {
        Key key;
        std::uint32_t tag = 0;    // high half of the key's mixed hash
        std::uint32_t first = 0;  // the rule itself when count is 1, else an index into members_
        std::uint32_t count = 0;
    };

    // The murmur3 finalizer: turns any hash into one whose low bits are usable as a slot.
    static std::size_t spread(std::size_t hash) {
        std::uint64_t value = hash;
        value ^= value >> 33;
        value *= 0xff51afd7ed558ccdULL;
        value ^= value >> 33;
        value *= 0xc4ceb9fe1a85ec53ULL;
        value ^= value >> 33;
        return static_cast<std::size_t>(value);
    }

    // The filter word of a hash and the two bits it sets there: bits of the hash that neither
    // the slot (low bits) nor, mostly, the tag (high half) depend on.
    [[nodiscard]] std::size_t filter_word(std::size_t hash) const {
        return (hash >> 40) & (filter_.size() - 1);
    }
    static std::uint64_t filter_bits(std::size_t hash) {
        return (std::uint64_t{1} << ((hash >> 20) & 63)) |
               (std::uint64_t{1} << ((hash >> 26) & 63));
    }

    std::vector<Entry> entries_;
    std::vector<std::uint64_t> filter_;   // power-of-two words, 8 bits per key
    std::vector<std::uint32_t> members_;  // rule ordinals of keys with several rules
    std::vector<std::uint32_t> slots_;    // 0: empty, else index into entries_ plus one
    std::bitset<kTextKeys ? kLengthFilterSize : 1> lengths_;  // text keys: which lengths occur
};

template <typename Key, typename Hash>
RuleBuckets<Key, Hash> RuleBuckets<Key, Hash>::Builder::build() && {
    RuleBuckets buckets;
    if (entries_.empty()) {
        return buckets;
    }
    // Sorted by hash first: equal keys still end up together, and comparing two hashes is far
    // cheaper than comparing two paths.
    struct Hashed {
        std::size_t hash;
        std::uint32_t index;  // into entries_
    };
    std::vector<Hashed> order;
    order.reserve(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        order.push_back({spread(Hash{}(entries_[i].first)), static_cast<std::uint32_t>(i)});
    }
    std::sort(order.begin(), order.end(), [this](const Hashed& a, const Hashed& b) {
        if (a.hash != b.hash) {
            return a.hash < b.hash;
        }
        const auto& left = entries_[a.index];
        const auto& right = entries_[b.index];
        return left.first < right.first ||
               (left.first == right.first && left.second < right.second);
    });

    std::size_t capacity = 8;
    while (capacity < entries_.size() * 2) {
        capacity *= 2;
    }
    buckets.slots_.assign(capacity, 0);
    const std::size_t mask = capacity - 1;
    std::size_t filter_words = 1;
    while (filter_words * 8 < entries_.size()) {
        filter_words *= 2;
    }
    buckets.filter_.assign(filter_words, 0);
    for (std::size_t begin = 0; begin < order.size();) {
        const auto& key = entries_[order[begin].index].first;
        std::size_t end = begin + 1;
        while (end < order.size() && order[end].hash == order[begin].hash &&
               entries_[order[end].index].first == key) {
            ++end;
        }
        // The group is ordered by rule, repeats adjacent; one rule stays inline in the entry.
        const std::uint32_t first_rule = entries_[order[begin].index].second;
        const auto members_start = static_cast<std::uint32_t>(buckets.members_.size());
        std::uint32_t count = 1;
        std::uint32_t previous = first_rule;
        for (std::size_t i = begin + 1; i < end; ++i) {
            const auto rule = entries_[order[i].index].second;
            if (rule == previous) {
                continue;
            }
            if (++count == 2) {
                buckets.members_.push_back(first_rule);
            }
            buckets.members_.push_back(rule);
            previous = rule;
        }
        Entry entry{key, static_cast<std::uint32_t>(order[begin].hash >> 32),
                    count == 1 ? first_rule : members_start, count};
        std::size_t slot = order[begin].hash & mask;
        while (buckets.slots_[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        if constexpr (kTextKeys) {
            if (key.size() < kLengthFilterSize) {
                buckets.lengths_.set(key.size());
            }
        }
        buckets.filter_[buckets.filter_word(order[begin].hash)] |= filter_bits(order[begin].hash);
        buckets.entries_.push_back(std::move(entry));
        buckets.slots_[slot] = static_cast<std::uint32_t>(buckets.entries_.size());
        begin = end;
    }
    entries_ = {};
    buckets.entries_.shrink_to_fit();
    buckets.members_.shrink_to_fit();
    return buckets;
}

}  // namespace sluice
