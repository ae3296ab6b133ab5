#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

// The prefixes of an `ip_list` file (or of a rule's `ip` values), packed in one sorted vector
// of 17-byte entries. Overlapping prefixes are kept: the longest one containing an address
// decides how specific the match is. Immutable once built; safe to read from any thread.
class IpList {
  public:
    IpList() = default;
    explicit IpList(std::vector<IpPrefix> prefixes);

    // The length, in the mapped space (an IPv4 /24 is 120), of the longest prefix containing
    // `address`. One binary search per distinct prefix length in the list. IPv6 prefixes never
    // match IPv4 addresses, not even ::/0.
    [[nodiscard]] std::optional<std::uint8_t> longest_match(const IpAddress& address) const;
    [[nodiscard]] std::size_t size() const { return prefixes_.size(); }
    [[nodiscard]] const std::vector<IpPrefix>& prefixes() const { return prefixes_; }

  private:
    std::vector<IpPrefix> prefixes_;     // sorted by (length, address), no duplicates
    std::vector<std::uint8_t> lengths_;  // distinct lengths present, longest first
};

// Parses list text: one address or CIDR prefix per line ("192.0.2.7", "10.0.0.0/8",
// "2001:db8::/32"), '#' starts a comment. Bad lines are reported as FILE:LINE:COL and left out.
// Never throws on any input.
IpList parse_ip_list(std::string_view text, const std::string& file_name, Diagnostics& diagnostics);

// Reads and parses a list file of at most kMaxListFileBytes; nullopt (with a diagnostic at
// position 0:0) when it cannot be read.
std::optional<IpList> load_ip_list(const std::string& path, Diagnostics& diagnostics);

}  // namespace sluice
