#include "rules/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sluice {

namespace {
constexpr std::size_t kMaxAddressText = INET6_ADDRSTRLEN;
}

bool IpAddress::is_v4_mapped(const Bytes& bytes) {
    for (std::size_t i = 0; i < 10; ++i) {
        if (bytes[i] != 0) {
            return false;
        }
    }
    return bytes[10] == 0xff && bytes[11] == 0xff;
}

IpAddress IpAddress::from_v4(const std::uint8_t (&octets)[4]) {
    IpAddress address;
    address.bytes_[10] = 0xff;
    address.bytes_[11] = 0xff;
    std::memcpy(address.bytes_.data() + 12, octets, 4);
    return address;
}

IpAddress IpAddress::from_v4_host_order(std::uint32_t value) {
    const std::uint8_t octets[4] = {
        static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
        static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    return from_v4(octets);
}

IpAddress IpAddress::from_v6(const Bytes& bytes) {
    IpAddress address;
    address.bytes_ = bytes;
    return address;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() >= kMaxAddressText) {
        return std::nullopt;
    }
    char buffer[kMaxAddressText] = {};
    std::memcpy(buffer, text.data(), text.size());
    std::uint8_t octets[4];
    if (inet_pton(AF_INET, buffer, octets) == 1) {
        return from_v4(octets);
    }
    Bytes bytes{};
    if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) {
        return from_v6(bytes);
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char buffer[kMaxAddressText] = {};
    if (is_v4()) {
        inet_ntop(AF_INET, bytes_.data() + 12, buffer, sizeof buffer);
    } else {
        inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof buffer);
    }
    return buffer;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<IpPrefix> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) {
        return fail("'" + std::string(text.substr(0, slash)) + "' is not an IP address");
    }
    const int family_bits = address->is_v4() ? 32 : 128;
    int length = family_bits;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto* end = digits.data() + digits.size();
        auto [ptr, ec] = std::from_chars(digits.data(), end, length);
        if (digits.empty() || ec != std::errc{} || ptr != end || length < 0 ||
            length > family_bits) {
            return fail("prefix length '" + std::string(digits) + "' must be 0 to " +
                        std::to_string(family_bits));
        }
    }
    IpPrefix prefix{*address, static_cast<std::uint8_t>(length + (address->is_v4() ? 96 : 0))};
    IpPrefix masked = prefix;
    auto bytes = masked.address.bytes();
    for (int bit = prefix.length; bit < 128; ++bit) {
        bytes[static_cast<std::size_t>(bit / 8)] &=
            static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
    if (bytes != prefix.address.bytes()) {
        return fail("'" + std::string(text) + "' has host bits set beyond the prefix length");
    }
    return prefix;
}

bool IpPrefix::contains(const IpAddress& candidate) const {
    const auto& mine = address.bytes();
    const auto& theirs = candidate.bytes();
    const std::size_t full_bytes = length / 8;
    if (std::memcmp(mine.data(), theirs.data(), full_bytes) != 0) {
        return false;
    }
    const unsigned rest_bits = length % 8;
    if (rest_bits == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest_bits));
    return (mine[full_bytes] & mask) == (theirs[full_bytes] & mask);
}

std::string IpPrefix::to_string() const {
    return address.to_string() + "/" + std::to_string(family_length());
}

}  // namespace sluice
