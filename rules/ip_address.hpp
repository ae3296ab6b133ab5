#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// An IPv4 or IPv6 address. IPv4 is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d) so one
// prefix trie and one comparison serve both families; is_v4() tells which family it came from.
class IpAddress {
  public:
    using Bytes = std::array<std::uint8_t, 16>;

    IpAddress() = default;
    static IpAddress from_v4(const std::uint8_t (&octets)[4]);
    static IpAddress from_v4_host_order(std::uint32_t address);
    static IpAddress from_v6(const Bytes& bytes);
    // Accepts dotted quad and RFC 4291 text forms; an IPv4-mapped IPv6 address parses as IPv4.
    static std::optional<IpAddress> parse(std::string_view text);

    [[nodiscard]] bool is_v4() const { return is_v4_mapped(bytes_); }
    [[nodiscard]] const Bytes& bytes() const { return bytes_; }
    // The address family's own bytes: 4 for IPv4, 16 for IPv6.
    [[nodiscard]] const std::uint8_t* family_bytes() const {
        return bytes_.data() + (is_v4() ? 12 : 0);
    }
    [[nodiscard]] std::size_t family_size() const { return is_v4() ? 4 : 16; }
    [[nodiscard]] std::string to_string() const;

    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

  private:
    static bool is_v4_mapped(const Bytes& bytes);
    Bytes bytes_{};
};

// A CIDR prefix in the mapped space: an IPv4 /n is stored as /(96 + n).
struct IpPrefix {
    IpAddress address;
    std::uint8_t length = 0;  // 0..128 in the mapped space

    // "10.0.0.0/8", "2001:db8::/32" or a bare address (full length). Host bits must be zero.
    static std::optional<IpPrefix> parse(std::string_view text, std::string* error = nullptr);
    [[nodiscard]] bool contains(const IpAddress& candidate) const;
    // The length as written by the user (0..32 for IPv4).
    [[nodiscard]] int family_length() const { return address.is_v4() ? length - 96 : length; }
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

}  // namespace sluice
