#pragma once

#include <cstdint>
#include <optional>

namespace sluice {

// What sluice writes into the bits of the packet and conntrack mark it owns
// (firewall.mark_mask). The values are small integers shifted to the mask's lowest bit; the
// firewall chains test for them and docs/ARCHITECTURE.md lists them. 0 means "undecided".
enum class MarkDecision : std::uint8_t {
    kUndecided = 0,
    kAllow = 1,
    kDeny = 2,
    kReject = 3,
    kAllowDisabled = 4,  // accepted because filtering is switched off (SetEnabled false)
};

class MarkLayout {
  public:
    // The mask must be contiguous and wide enough for every MarkDecision (3 bits).
    static std::optional<MarkLayout> from_mask(std::uint32_t mask);

    [[nodiscard]] std::uint32_t mask() const { return mask_; }
    [[nodiscard]] std::uint32_t value(MarkDecision decision) const {
        return (static_cast<std::uint32_t>(decision) << shift_) & mask_;
    }
    // The mark with our bits replaced by `decision` and every other bit left as it was, so
    // marks set by other software survive our verdicts.
    [[nodiscard]] std::uint32_t apply(std::uint32_t mark, MarkDecision decision) const {
        return (mark & ~mask_) | value(decision);
    }
    [[nodiscard]] MarkDecision decision_of(std::uint32_t mark) const {
        return static_cast<MarkDecision>((mark & mask_) >> shift_);
    }

  private:
    MarkLayout(std::uint32_t mask, unsigned shift) : mask_(mask), shift_(shift) {}
    std::uint32_t mask_;
    unsigned shift_;
};

inline std::optional<MarkLayout> MarkLayout::from_mask(std::uint32_t mask) {
    if (mask == 0) {
        return std::nullopt;
    }
    unsigned shift = 0;
    while (((mask >> shift) & 1u) == 0) {
        ++shift;
    }
    const std::uint32_t bits = mask >> shift;
    // Contiguous: bits + 1 is a power of two. At least 3 bits for the five decisions.
    if ((bits & (bits + 1)) != 0 || bits < 0x7) {
        return std::nullopt;
    }
    return MarkLayout(mask, shift);
}

}  // namespace sluice
