#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// A sorted set of short strings in one character buffer plus one offset per entry: about
// 4 bytes of overhead per entry and no heap node each, so million-entry block lists stay
// small and cache friendly. Immutable once built; safe to read from any thread.
class PackedStringSet {
  public:
    class Builder {
      public:
        // False when the set would outgrow its 32-bit offsets (4 GiB of text).
        bool add(std::string_view text);
        [[nodiscard]] std::size_t size() const { return ends_.size(); }
        PackedStringSet build() &&;

      private:
        std::string chars_;
        std::vector<std::uint32_t> ends_;
    };

    [[nodiscard]] bool contains(std::string_view text) const;
    [[nodiscard]] std::size_t size() const { return starts_.empty() ? 0 : starts_.size() - 1; }
    [[nodiscard]] std::string_view at(std::size_t index) const;

  private:
    std::string chars_;
    std::vector<std::uint32_t>
        starts_;  // size() + 1 entries; entry i is [starts_[i], starts_[i+1])
};

}  // namespace sluice
