#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// A set of short strings in one character buffer plus one offset per entry, with an
// open-addressing hash table of 32-bit slots for lookups: about 10 bytes of overhead per entry
// and no heap node each, so million-entry block lists stay small, and contains() reads about
// three cache lines however large the set is. Immutable once built; safe to read from any
// thread.
class PackedStringSet {
  public:
    // At most 16 777 215 entries and 4 GiB of text.
    class Builder {
      public:
        // False when the set would outgrow its limits.
        bool add(std::string_view text);
        // Room for about this many entries and bytes of text, so the buffers do not grow by
        // doubling (which can leave up to half of them unused).
        void reserve(std::size_t entries, std::size_t bytes);
        [[nodiscard]] std::size_t size() const { return ends_.size(); }
        PackedStringSet build() &&;

      private:
        std::string chars_;
        std::vector<std::uint32_t> ends_;
    };

    [[nodiscard]] bool contains(std::string_view text) const;
    [[nodiscard]] std::size_t size() const { return starts_.empty() ? 0 : starts_.size() - 1; }
    // The entries in the order they were first added.
    [[nodiscard]] std::string_view at(std::size_t index) const;

  private:
    std::string chars_;
    std::vector<std::uint32_t>
        starts_;  // size() + 1 entries; entry i is [starts_[i], starts_[i+1])
    // Linear probing, about two thirds full. A slot is 0 (empty) or entry index + 1 in the low
    // 24 bits and 8 more bits of the entry's hash above, so most probes that will not match
    // are rejected without reading the entry's text.
    std::vector<std::uint32_t> slots_;
};

}  // namespace sluice
