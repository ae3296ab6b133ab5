#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/attribution/hash_blocks.hpp"

namespace sluice {

using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-256 (FIPS 180-4), written here so exe hashing needs no crypto library. Feed bytes with
// update() in any split, then finish() once. Plain value type; no allocation.
class Sha256 {
  public:
    Sha256();
    void update(std::span<const std::uint8_t> bytes);
    // Pads, returns the digest and leaves the object needing reset() before reuse.
    Sha256Digest finish();
    void reset();

  private:
    void compress(const std::uint8_t* block);

    std::array<std::uint32_t, 8> state_{};
    HashBlocks blocks_;
};

}  // namespace sluice
