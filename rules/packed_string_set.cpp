#include "rules/packed_string_set.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace sluice {

bool PackedStringSet::Builder::add(std::string_view text) {
    if (chars_.size() + text.size() > std::numeric_limits<std::uint32_t>::max() ||
        ends_.size() >= std::numeric_limits<std::uint32_t>::max() - 1) {
        return false;
    }
    chars_.append(text);
    ends_.push_back(static_cast<std::uint32_t>(chars_.size()));
    return true;
}

PackedStringSet PackedStringSet::Builder::build() && {
    auto entry = [this](std::uint32_t index) {
        const std::uint32_t begin = index == 0 ? 0 : ends_[index - 1];
        return std::string_view(chars_).substr(begin, ends_[index] - begin);
    };
    std::vector<std::uint32_t> order(ends_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return entry(a) < entry(b); });
    order.erase(std::unique(order.begin(), order.end(),
                            [&](std::uint32_t a, std::uint32_t b) { return entry(a) == entry(b); }),
                order.end());

    PackedStringSet set;
    std::size_t total = 0;
    for (const auto index : order) {
        total += entry(index).size();
    }
    set.chars_.reserve(total);
    set.starts_.reserve(order.size() + 1);
    set.starts_.push_back(0);
    for (const auto index : order) {
        set.chars_.append(entry(index));
        set.starts_.push_back(static_cast<std::uint32_t>(set.chars_.size()));
    }
    chars_.clear();
    ends_.clear();
    return set;
}

std::string_view PackedStringSet::at(std::size_t index) const {
    return std::string_view(chars_).substr(starts_[index], starts_[index + 1] - starts_[index]);
}

bool PackedStringSet::contains(std::string_view text) const {
    std::size_t low = 0;
    std::size_t high = size();
    while (low < high) {
        const std::size_t middle = low + (high - low) / 2;
        const auto candidate = at(middle);
        if (candidate == text) {
            return true;
        }
        if (candidate < text) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return false;
}

}  // namespace sluice
