#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice {

// The Merkle-Damgard framing MD5 and SHA-256 share: input is cut into 64-byte blocks for the
// hash's compression function, and the message ends with 0x80, zeros up to 56 mod 64 and the
// bit length (little-endian for MD5, big-endian for SHA-256). Header-only because the
// compression function is inlined into the block loop.
class HashBlocks {
  public:
    static constexpr std::size_t kBlockSize = 64;

    template <typename Compress>
    void update(std::span<const std::uint8_t> bytes, Compress&& compress) {
        total_bytes_ += bytes.size();
        if (buffered_ > 0) {
            const std::size_t take = std::min(bytes.size(), kBlockSize - buffered_);
            std::copy_n(bytes.begin(), take,
                        buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_));
            buffered_ += take;
            bytes = bytes.subspan(take);
            if (buffered_ < kBlockSize) {
                return;
            }
            compress(buffer_.data());
            buffered_ = 0;
        }
        while (bytes.size() >= kBlockSize) {
            compress(bytes.data());
            bytes = bytes.subspan(kBlockSize);
        }
        std::copy(bytes.begin(), bytes.end(), buffer_.begin());
        buffered_ = bytes.size();
    }

    template <typename Compress>
    void finish(std::endian length_order, Compress&& compress) {
        const std::uint64_t total_bits = total_bytes_ * 8;
        std::array<std::uint8_t, kBlockSize + 8> padding{};
        padding[0] = 0x80;
        const std::size_t used = static_cast<std::size_t>(total_bytes_ % kBlockSize);
        const std::size_t zeros = used < 56 ? 55 - used : 119 - used;
        for (std::size_t i = 0; i < 8; ++i) {
            const std::size_t shift = length_order == std::endian::little ? 8 * i : 56 - 8 * i;
            padding[1 + zeros + i] = static_cast<std::uint8_t>(total_bits >> shift);
        }
        update(std::span<const std::uint8_t>(padding.data(), 1 + zeros + 8), compress);
    }

    void reset() {
        buffered_ = 0;
        total_bytes_ = 0;
    }

  private:
    std::array<std::uint8_t, kBlockSize> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

}  // namespace sluice
