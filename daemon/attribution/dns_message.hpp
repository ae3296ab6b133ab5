#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/ip_address.hpp"

namespace sluice {

// One address a DNS response gives for its question, with every name that leads to it: the
// question name first, then each CNAME target in chain order, ending with the owner of the
// A/AAAA record. Names are lower case without the trailing dot.
struct DnsAddressAnswer {
    IpAddress address;
    std::vector<std::string> names;
    std::uint32_t ttl_seconds = 0;  // smallest TTL along the chain
};

enum class DnsParseError : std::uint8_t {
    kTooShort,     // fewer bytes than the 12-byte header
    kNotResponse,  // QR bit clear, or an opcode other than QUERY
    kNoQuestion,   // QDCOUNT is not 1 (resolvers never send anything else)
    kBadQuestion,  // the question name is malformed, cut short or not a host name
};

std::string_view to_string(DnsParseError error);

// Bounds on the work one message can cause.
inline constexpr std::size_t kMaxDnsAnswerRecords = 256;
inline constexpr std::size_t kMaxDnsCnameChain = 16;

// Parses an untrusted DNS response (RFC 1035 wire format, names compressed or not) in place and
// returns the A and AAAA answers reachable from the question name through CNAME records, so
// an answer cannot attach addresses to names nobody asked about. Records of other types and
// classes, and records whose names are not host names, are skipped. Compression pointers must
// point backwards, which bounds every name walk. A response cut short after some records
// yields the records read before the cut, because a captured packet may be truncated by the
// capture length. Pure and thread-safe; never reads outside `message`.
std::optional<std::vector<DnsAddressAnswer>> parse_dns_response(
    std::span<const std::uint8_t> message, DnsParseError* why = nullptr);

}  // namespace sluice
