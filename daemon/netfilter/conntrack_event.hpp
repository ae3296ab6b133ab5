#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "daemon/netfilter/conntrack_tuple.hpp"

namespace sluice {

enum class ConntrackEventType : std::uint8_t {
    kNew,      // event: the entry was confirmed (its first packet left the hooks)
    kUpdate,   // event: state, mark or timeout changed; also every entry of a dump
    kDestroy,  // event: the entry is gone
};

struct ConntrackCounters {
    std::uint64_t packets_original = 0;
    std::uint64_t bytes_original = 0;
    std::uint64_t packets_reply = 0;
    std::uint64_t bytes_reply = 0;
    friend bool operator==(const ConntrackCounters&, const ConntrackCounters&) = default;
};

// One conntrack entry as a ctnetlink message describes it.
struct ConntrackEntry {
    ConntrackEventType type = ConntrackEventType::kUpdate;
    ConntrackTuple original;
    ConntrackTuple reply;
    std::uint32_t id = 0;
    std::uint32_t mark = 0;
    ConntrackCounters counters;  // zero unless accounting is on (nf_conntrack_acct)
};

// Parses one untrusted ctnetlink message (a netlink header and its payload, as received),
// every attribute size checked. nullopt for messages that are not conntrack entries (errors, DONE,
// expectations), that are cut short, or that lack an original and reply tuple of IPv4 or
// IPv6. Never reads outside `message`; thread-safe.
std::optional<ConntrackEntry> parse_conntrack_message(std::span<const std::uint8_t> message);

// Splits a received netlink datagram into its messages (each span starts at a header and
// covers nlmsg_len bytes). Stops at the first header that is cut short or whose length is
// below a header or runs past the datagram. (libmnl's mnl_nlmsg_ok is not used: it casts the
// length to int, so lengths of 2 GiB and more pass as negative.)
std::vector<std::span<const std::uint8_t>> split_netlink_datagram(
    std::span<const std::uint8_t> datagram);

// Requests are built with libnetfilter_conntrack.
// Builds the ctnetlink request that sets the conntrack mark bits `mask` of the entry whose
// original tuple is `original` to `value` (CTA_MARK with CTA_MARK_MASK: the kernel keeps the
// other bits). Asks for an acknowledgement.
std::vector<std::uint8_t> build_conntrack_mark_request(const ConntrackTuple& original,
                                                       std::uint32_t value, std::uint32_t mask,
                                                       std::uint32_t sequence);

// Builds the ctnetlink request that dumps every entry of both families.
std::vector<std::uint8_t> build_conntrack_dump_request(std::uint32_t sequence);

}  // namespace sluice
