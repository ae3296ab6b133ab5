#include "rules/packed_string_set.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>

namespace sluice {

namespace {

constexpr unsigned kIndexBits = 24;
constexpr std::uint32_t kIndexMask = (std::uint32_t{1} << kIndexBits) - 1;
constexpr std::size_t kMaxEntries = kIndexMask;  // index + 1 must fit in the index bits

std::uint64_t hash_of(std::string_view text) {
    return std::hash<std::string_view>{}(text);
}

__extension__ using Wide = unsigned __int128;  // GCC and clang on 64-bit targets

// The first slot to probe: the hash scaled onto [0, capacity) without a division.
std::size_t home_slot(std::uint64_t hash, std::size_t capacity) {
    return static_cast<std::size_t>((static_cast<Wide>(hash) * capacity) >> 64);
}

std::uint32_t tag_of(std::uint64_t hash) {
    return static_cast<std::uint32_t>(hash & 0xff) << kIndexBits;
}

}  // namespace

bool PackedStringSet::Builder::add(std::string_view text) {
    if (chars_.size() + text.size() > std::numeric_limits<std::uint32_t>::max() ||
        ends_.size() >= kMaxEntries) {
        return false;
    }
    chars_.append(text);
    ends_.push_back(static_cast<std::uint32_t>(chars_.size()));
    return true;
}

void PackedStringSet::Builder::reserve(std::size_t entries, std::size_t bytes) {
    ends_.reserve(std::min(entries, kMaxEntries));
    chars_.reserve(std::min<std::size_t>(bytes, std::numeric_limits<std::uint32_t>::max()));
}

// Hashes every entry into the table, dropping repeats, and compacts the kept entries' text
// within the same buffer (it only ever moves left), so building needs no second copy.
PackedStringSet PackedStringSet::Builder::build() && {
    PackedStringSet set;
    const std::size_t count = ends_.size();
    const std::size_t capacity = std::max<std::size_t>(8, count + count / 2);
    set.slots_.assign(capacity, 0);
    set.starts_.reserve(count + 1);
    set.starts_.push_back(0);
    std::string chars = std::move(chars_);
    std::uint32_t begin = 0;
    std::size_t written = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view text(chars.data() + begin, ends_[i] - begin);
        begin = ends_[i];
        const auto hash = hash_of(text);
        const auto tag = tag_of(hash);
        std::size_t slot = home_slot(hash, capacity);
        bool repeated = false;
        for (; set.slots_[slot] != 0; slot = slot + 1 == capacity ? 0 : slot + 1) {
            const std::uint32_t value = set.slots_[slot];
            const std::size_t kept = (value & kIndexMask) - 1;
            if ((value & ~kIndexMask) == tag &&
                std::string_view(chars.data() + set.starts_[kept],
                                 set.starts_[kept + 1] - set.starts_[kept]) == text) {
                repeated = true;
                break;
            }
        }
        if (repeated) {
            continue;
        }
        std::memmove(chars.data() + written, text.data(), text.size());
        written += text.size();
        set.slots_[slot] = tag | static_cast<std::uint32_t>(set.starts_.size());
        set.starts_.push_back(static_cast<std::uint32_t>(written));
    }
    ends_ = {};
    chars.resize(written);
    if (chars.capacity() > written + written / 32) {
        chars.shrink_to_fit();
    }
    set.chars_ = std::move(chars);
    if (set.starts_.capacity() > set.starts_.size() + set.starts_.size() / 32) {
        set.starts_.shrink_to_fit();
    }
    return set;
}

std::string_view PackedStringSet::at(std::size_t index) const {
    return std::string_view(chars_).substr(starts_[index], starts_[index + 1] - starts_[index]);
}

bool PackedStringSet::contains(std::string_view text) const {
    if (slots_.empty()) {
        return false;
    }
    const auto hash = hash_of(text);
    const auto tag = tag_of(hash);
    const std::size_t capacity = slots_.size();
    for (std::size_t slot = home_slot(hash, capacity);;
         slot = slot + 1 == capacity ? 0 : slot + 1) {
        const std::uint32_t value = slots_[slot];
        if (value == 0) {
            return false;
        }
        if ((value & ~kIndexMask) == tag && at((value & kIndexMask) - 1) == text) {
            return true;
        }
    }
}

}  // namespace sluice
