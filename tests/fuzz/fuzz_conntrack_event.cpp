// Feeds arbitrary bytes to the conntrack event parser as a datagram of netlink messages, the
// way ConntrackMonitor reads them from the event socket. Sanitizers catch any read out of
// bounds.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/netfilter/conntrack_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> datagram(data, size);
    (void)sluice::parse_conntrack_message(datagram);
    for (const auto message : sluice::split_netlink_datagram(datagram)) {
        if (message.data() < data || message.data() + message.size() > data + size) {
            __builtin_trap();
        }
        const auto entry = sluice::parse_conntrack_message(message);
        // Ports are only read for protocols that have them.
        if (entry && entry->original.protocol == IPPROTO_ICMP &&
            (entry->original.source_port != 0 || entry->original.destination_port != 0)) {
            __builtin_trap();
        }
    }
    return 0;
}
