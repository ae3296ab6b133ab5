#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/attribution/hash_blocks.hpp"

namespace sluice {

using Md5Digest = std::array<std::uint8_t, 16>;

// MD5 (RFC 1321). Broken as a defence against a chosen collision, and used here only because
// dpkg's md5sums files record it: a match says "the file dpkg installed", the SHA-256 beside it
// is what rules should pin. Same shape as Sha256.
class Md5 {
  public:
    Md5();
    void update(std::span<const std::uint8_t> bytes);
    Md5Digest finish();
    void reset();

  private:
    void compress(const std::uint8_t* block);

    std::array<std::uint32_t, 4> state_{};
    HashBlocks blocks_;
};

}  // namespace sluice
