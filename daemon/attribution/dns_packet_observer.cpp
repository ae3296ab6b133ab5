#include "daemon/attribution/dns_packet_observer.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <array>

#include "daemon/attribution/dns_message.hpp"
#include "daemon/attribution/dns_packet_payload.hpp"

namespace sluice {

namespace {

constexpr std::size_t kBlockBytes = 1 << 16;

// Classic BPF over the packet as a SOCK_DGRAM packet socket sees it: offset 0 is the network
// header. Keeps packets not sent by this host, IPv4 (no later fragments) or IPv6 without
// extension headers, UDP or TCP, source port 53.
constexpr std::uint32_t kKeep = 0x40000;  // bytes to keep: all (the ring frame cuts them)
constexpr std::uint32_t kAncillaryPacketType = SKF_AD_OFF + SKF_AD_PKTTYPE;
constexpr std::uint32_t kAncillaryProtocol = SKF_AD_OFF + SKF_AD_PROTOCOL;

// Jump offsets count from the next instruction; the index of each target is in the comments.
std::array<sock_filter, 20> answer_filter() {
    return {{
        /* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kAncillaryPacketType),
        // Outgoing copies (and the sending side of loopback) are not answers to us.
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 17, 0),  // -> 19
        /* 2 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kAncillaryProtocol),
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 1, 0),     // -> 5
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 8, 14),  // -> 13, 19
        // IPv4: UDP or TCP, not a later fragment, source port 53.
        /* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
        /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 1, 0),   // -> 8
        /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 11),  // -> 8, 19
        /* 8 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
        /* 9 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1FFF, 9, 0),  // -> 19
        /* 10 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),             // X = IPv4 header length
        /* 11 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),
        /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 53, 5, 6),  // -> 18, 19
        // IPv6: UDP or TCP right after the fixed header, source port 53.
        /* 13 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
        /* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 1, 0),  // -> 16
        /* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 3),  // -> 16, 19
        /* 16 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 40),
        /* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 53, 0, 1),  // -> 18, 19
        /* 18 */ BPF_STMT(BPF_RET | BPF_K, kKeep),
        /* 19 */ BPF_STMT(BPF_RET | BPF_K, 0),
    }};
}

}  // namespace

void DnsPacketObserver::RingUnmapper::operator()(std::uint8_t* ring) const noexcept {
    ::munmap(ring, bytes);
}

Result<std::unique_ptr<DnsPacketObserver>> DnsPacketObserver::open() {
    return open(Options{});
}

Result<std::unique_ptr<DnsPacketObserver>> DnsPacketObserver::open(const Options& options) {
    // Protocol 0: the socket receives nothing until bind(), after the filter and the ring are
    // in place, so no unfiltered packet is ever queued to it.
    Fd socket(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket) {
        return Error::from_errno("cannot open the AF_PACKET socket for DNS answers");
    }
    const int version = TPACKET_V2;
    if (::setsockopt(socket.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) {
        return Error::from_errno("cannot select TPACKET_V2 on the DNS packet socket");
    }
    auto filter = answer_filter();
    const sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
        return Error::from_errno("cannot attach the DNS answer filter");
    }
    const std::size_t frame_bytes = options.frame_bytes;
    if (frame_bytes < TPACKET2_HDRLEN || frame_bytes % TPACKET_ALIGNMENT != 0 ||
        kBlockBytes % frame_bytes != 0 || options.frame_count == 0) {
        return Error{"DNS packet ring: frame size must divide 64 KiB and hold a header", EINVAL};
    }
    const std::size_t frames_per_block = kBlockBytes / frame_bytes;
    const std::size_t blocks = (options.frame_count + frames_per_block - 1) / frames_per_block;
    tpacket_req request{};
    request.tp_block_size = static_cast<unsigned>(kBlockBytes);
    request.tp_block_nr = static_cast<unsigned>(blocks);
    request.tp_frame_size = static_cast<unsigned>(frame_bytes);
    request.tp_frame_nr = static_cast<unsigned>(blocks * frames_per_block);
    if (::setsockopt(socket.get(), SOL_PACKET, PACKET_RX_RING, &request, sizeof request) != 0) {
        return Error::from_errno("cannot set up the DNS packet ring");
    }
    const std::size_t ring_bytes = blocks * kBlockBytes;
    void* mapped = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, socket.get(), 0);
    if (mapped == MAP_FAILED) {
        return Error::from_errno("cannot map the DNS packet ring");
    }
    Ring ring(static_cast<std::uint8_t*>(mapped), RingUnmapper{ring_bytes});
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = 0;  // every interface
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return Error::from_errno("cannot bind the DNS packet socket");
    }
    Options actual = options;
    actual.frame_count = request.tp_frame_nr;
    return std::unique_ptr<DnsPacketObserver>(  // NOLINT: private constructor
        new DnsPacketObserver(std::move(socket), std::move(ring), actual));
}

void DnsPacketObserver::drain(DnsCache& cache, DnsCache::TimePoint now) noexcept {
    // At most one lap: frames the kernel fills meanwhile are read on the next drain.
    for (std::size_t i = 0; i < options_.frame_count; ++i) {
        auto* frame = ring_.get() + next_frame_ * options_.frame_bytes;
        auto* header = reinterpret_cast<tpacket2_hdr*>(frame);
        // Acquire pairs with the kernel's barrier before it sets TP_STATUS_USER.
        const auto status = __atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE);
        if ((status & TP_STATUS_USER) == 0) {
            break;
        }
        ++counters_.packets;
        const std::size_t offset = header->tp_net;
        const std::size_t length = header->tp_snaplen;
        if (header->tp_len > header->tp_snaplen) {
            ++counters_.truncated;
        }
        if (offset <= options_.frame_bytes && length <= options_.frame_bytes - offset) {
            const std::span<const std::uint8_t> packet(frame + offset, length);
            for (const auto payload : dns_payloads_of_packet(packet)) {
                const auto answers = parse_dns_response(payload);
                if (!answers) {
                    ++counters_.malformed;
                    continue;
                }
                ++counters_.messages;
                for (const auto& answer : *answers) {
                    cache.learn(answer, now);
                }
            }
        }
        __atomic_store_n(&header->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        next_frame_ = (next_frame_ + 1) % options_.frame_count;
    }
}

std::uint64_t DnsPacketObserver::take_kernel_drops() {
    tpacket_stats stats{};
    socklen_t length = sizeof stats;
    if (::getsockopt(socket_.get(), SOL_PACKET, PACKET_STATISTICS, &stats, &length) != 0) {
        return 0;
    }
    return stats.tp_drops;
}

}  // namespace sluice
