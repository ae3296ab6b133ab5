#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace sluice {

// Netfilter hook a packet was queued from (linux/netfilter.h NF_INET_*).
enum class QueueHook : std::uint8_t {
    kPreRouting = 0,
    kLocalIn = 1,
    kForward = 2,
    kLocalOut = 3,
    kPostRouting = 4
};

// Conntrack data the kernel attaches to a queued packet when it has the NFQUEUE conntrack
// glue (CONFIG_NETFILTER_NETLINK_GLUE_CT) and NFQA_CFG_F_CONNTRACK was accepted.
struct QueuedConntrack {
    std::uint32_t id = 0;
    std::uint32_t mark = 0;
    std::uint32_t info = 0;  // enum ip_conntrack_info
};

// One packet handed to us by NFQUEUE. `payload` points into the socket's receive buffer and is
// valid only while the packet handler runs; copy what must outlive it.
struct QueuedPacket {
    std::uint32_t packet_id = 0;
    QueueHook hook = QueueHook::kLocalOut;
    std::uint32_t mark = 0;
    std::optional<std::uint32_t> uid;  // socket owner, with NFQA_CFG_F_UID_GID
    std::optional<std::uint32_t> gid;
    std::uint32_t in_interface = 0;   // ifindex, 0 when none
    std::uint32_t out_interface = 0;  // ifindex, 0 when none
    std::optional<QueuedConntrack> conntrack;
    std::span<const std::uint8_t> payload;
};

}  // namespace sluice
