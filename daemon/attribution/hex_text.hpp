#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace sluice {

// Lower-case hex of `bytes`, the form sha256sum and dpkg's md5sums print.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace sluice
