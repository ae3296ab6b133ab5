#include "daemon/netfilter/nfqueue_socket.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

extern "C" {
#include <libnetfilter_queue/libnetfilter_queue.h>
}

namespace sluice {

namespace {

constexpr std::size_t kReceiveSlots = 64;
constexpr std::size_t kReceiveSlotBytes = 8192;
constexpr std::size_t kSendBatchBytes = 64 * 1024;
// Room one verdict message can take: header, verdict, mark and a conntrack nest.
constexpr std::size_t kMaxVerdictMessageBytes = 256;
constexpr int kAckTimeoutMs = 2000;
constexpr std::uint16_t kPacketMessageType = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET;

Error errno_error(const std::string& what) {
    return Error::from_errno(what);
}

sockaddr_nl kernel_address() {
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    return address;
}

std::uint32_t attribute_u32(const nlattr* attribute) {
    return ntohl(mnl_attr_get_u32(attribute));
}

int parse_conntrack_attribute(const nlattr* attribute, void* data) {
    auto* table = static_cast<const nlattr**>(data);
    const int type = mnl_attr_get_type(attribute);
    if (type <= 0 || type > CTA_MAX) {
        return MNL_CB_OK;
    }
    if ((type == CTA_ID || type == CTA_MARK) && mnl_attr_validate(attribute, MNL_TYPE_U32) < 0) {
        return MNL_CB_ERROR;
    }
    table[type] = attribute;
    return MNL_CB_OK;
}

}  // namespace

struct NfqueueSocket::ReceiveRing {
    std::array<std::array<char, kReceiveSlotBytes>, kReceiveSlots> buffers{};
    std::array<iovec, kReceiveSlots> vectors{};
    std::array<mmsghdr, kReceiveSlots> headers{};

    ReceiveRing() {
        for (std::size_t i = 0; i < kReceiveSlots; ++i) {
            vectors[i] = iovec{buffers[i].data(), buffers[i].size()};
            headers[i].msg_hdr.msg_iov = &vectors[i];
            headers[i].msg_hdr.msg_iovlen = 1;
        }
    }
};

NfqueueSocket::NfqueueSocket(Fd socket, std::uint16_t queue_number, std::uint32_t port_id)
    : socket_(std::move(socket)),
      queue_number_(queue_number),
      port_id_(port_id),
      send_batch_(kSendBatchBytes),
      ring_(std::make_unique<ReceiveRing>()) {}

NfqueueSocket::NfqueueSocket(NfqueueSocket&&) noexcept = default;
NfqueueSocket& NfqueueSocket::operator=(NfqueueSocket&&) noexcept = default;
NfqueueSocket::~NfqueueSocket() = default;

Result<NfqueueSocket> NfqueueSocket::open(const Options& options) {
    Fd socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER));
    if (!socket) {
        return errno_error("cannot open NETLINK_NETFILTER socket");
    }
    sockaddr_nl local = kernel_address();
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
        return errno_error("cannot bind netlink socket");
    }
    socklen_t local_length = sizeof local;
    if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&local), &local_length) != 0) {
        return errno_error("cannot read netlink port id");
    }
    // Without this the kernel reports ENOBUFS when our receive buffer overflows; the dropped
    // packets are counted by the queue (user_dropped) and handled by the fail posture anyway.
    const int on = 1;
    if (::setsockopt(socket.get(), SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on) != 0) {
        return errno_error("cannot set NETLINK_NO_ENOBUFS");
    }
    // Size the receive buffer for a full kernel queue: each queued packet costs about one
    // page of skb truesize with our copy range.
    const std::uint64_t wanted = std::uint64_t{options.max_len} * 2048;
    const int receive_bytes = static_cast<int>(std::min<std::uint64_t>(wanted, 64u << 20));
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_bytes,
                     sizeof receive_bytes) != 0 &&
        ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUF, &receive_bytes, sizeof receive_bytes) !=
            0) {
        return errno_error("cannot size the netlink receive buffer");
    }
    const int send_bytes = static_cast<int>(kSendBatchBytes * 4);
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_SNDBUFFORCE, &send_bytes, sizeof send_bytes) !=
        0) {
        (void)::setsockopt(socket.get(), SOL_SOCKET, SO_SNDBUF, &send_bytes, sizeof send_bytes);
    }
    NfqueueSocket queue(std::move(socket), options.queue_number, local.nl_pid);
    if (auto configured = queue.configure(options); !configured) {
        return configured.error();
    }
    return queue;
}

Result<void> NfqueueSocket::configure(const Options& options) {
    std::vector<char> message(MNL_SOCKET_BUFFER_SIZE);
    const std::string queue_text = "queue " + std::to_string(queue_number_);

    nlmsghdr* header = nfq_nlmsg_put(message.data(), NFQNL_MSG_CONFIG, queue_number_);
    nfq_nlmsg_cfg_put_cmd(header, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
    if (auto bound = request_with_ack(message, ("cannot bind NFQUEUE " + queue_text).c_str());
        !bound) {
        return bound;
    }

    header = nfq_nlmsg_put(message.data(), NFQNL_MSG_CONFIG, queue_number_);
    nfq_nlmsg_cfg_put_params(header, NFQNL_COPY_PACKET, static_cast<int>(options.copy_range));
    nfq_nlmsg_cfg_put_qmaxlen(header, options.max_len);
    if (auto set = request_with_ack(message,
                                    ("cannot set copy range and length of " + queue_text).c_str());
        !set) {
        return set;
    }

    // Each flag is asked for on its own so one the kernel refuses (EOPNOTSUPP) does not take
    // the others down with it; the result is what this kernel can do.
    auto try_flag = [&](std::uint32_t flag, bool enable) -> bool {
        nlmsghdr* flag_header = nfq_nlmsg_put(message.data(), NFQNL_MSG_CONFIG, queue_number_);
        mnl_attr_put_u32(flag_header, NFQA_CFG_FLAGS, htonl(enable ? flag : 0));
        mnl_attr_put_u32(flag_header, NFQA_CFG_MASK, htonl(flag));
        return request_with_ack(message, "set queue flag").ok() && enable;
    };
    features_.conntrack = options.want_conntrack && try_flag(NFQA_CFG_F_CONNTRACK, true);
    features_.uid_gid = try_flag(NFQA_CFG_F_UID_GID, true);
    features_.gso = try_flag(NFQA_CFG_F_GSO, true);
    features_.fail_open = try_flag(NFQA_CFG_F_FAIL_OPEN, options.fail_open);
    if (options.fail_open && !features_.fail_open) {
        return Error{"the kernel refused NFQA_CFG_F_FAIL_OPEN on " + queue_text, EOPNOTSUPP};
    }
    return {};
}

Result<void> NfqueueSocket::request_with_ack(std::vector<char>& message, const char* what) {
    auto* header = reinterpret_cast<nlmsghdr*>(message.data());
    header->nlmsg_flags |= NLM_F_ACK;
    header->nlmsg_seq = ++sequence_;
    const sockaddr_nl kernel = kernel_address();
    if (::sendto(socket_.get(), message.data(), header->nlmsg_len, 0,
                 reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
        return errno_error(what);
    }
    std::array<char, kReceiveSlotBytes> answer{};
    for (;;) {
        pollfd readable{socket_.get(), POLLIN, 0};
        const int ready = ::poll(&readable, 1, kAckTimeoutMs);
        if (ready == 0) {
            return Error{std::string(what) + ": no answer from the kernel", ETIMEDOUT};
        }
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_error(what);
        }
        const ssize_t received = ::recv(socket_.get(), answer.data(), answer.size(), 0);
        if (received < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return errno_error(what);
        }
        int remaining = static_cast<int>(received);
        const auto* reply = reinterpret_cast<const nlmsghdr*>(answer.data());
        while (mnl_nlmsg_ok(reply, remaining)) {
            if (reply->nlmsg_type == NLMSG_ERROR && reply->nlmsg_seq == sequence_ &&
                reply->nlmsg_len >= mnl_nlmsg_size(sizeof(nlmsgerr))) {
                const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(reply));
                if (error->error != 0) {
                    return Error{what, -error->error};
                }
                return {};
            }
            if (reply->nlmsg_type == kPacketMessageType) {
                // A packet that arrived while we configure: send it through the hook again so it
                // is queued anew once we are ready, instead of leaving it stuck in the queue.
                nlattr* attributes[NFQA_MAX + 1] = {};
                if (nfq_nlmsg_parse(const_cast<nlmsghdr*>(reply), attributes) >= 0 &&
                    attributes[NFQA_PACKET_HDR] != nullptr) {
                    const auto* packet_header = static_cast<const nfqnl_msg_packet_hdr*>(
                        mnl_attr_get_payload(attributes[NFQA_PACKET_HDR]));
                    issue(PacketVerdict{ntohl(packet_header->packet_id), NF_REPEAT, {}, {}, 0});
                    (void)flush();
                }
            }
            reply = mnl_nlmsg_next(reply, &remaining);
        }
    }
}

Result<std::size_t> NfqueueSocket::receive(const PacketHandler& handler, std::size_t max_packets) {
    std::size_t handled = 0;
    while (handled < max_packets) {
        const unsigned slots =
            static_cast<unsigned>(std::min<std::size_t>(kReceiveSlots, max_packets - handled));
        for (unsigned i = 0; i < slots; ++i) {
            ring_->headers[i].msg_hdr.msg_flags = 0;
            ring_->headers[i].msg_len = 0;
        }
        const int received =
            ::recvmmsg(socket_.get(), ring_->headers.data(), slots, MSG_DONTWAIT, nullptr);
        if (received < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno == ENOBUFS) {
                ++counters_.receive_overruns;
                continue;
            }
            return errno_error("cannot receive from NFQUEUE " + std::to_string(queue_number_));
        }
        for (int i = 0; i < received; ++i) {
            const auto& header = ring_->headers[static_cast<std::size_t>(i)];
            if ((header.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                ++counters_.malformed_messages;
            }
            dispatch(ring_->buffers[static_cast<std::size_t>(i)].data(), header.msg_len, handler,
                     handled);
        }
        if (static_cast<unsigned>(received) < slots) {
            break;
        }
    }
    return handled;
}

void NfqueueSocket::dispatch(const char* data, std::size_t length, const PacketHandler& handler,
                             std::size_t& handled) {
    int remaining = static_cast<int>(std::min<std::size_t>(length, kReceiveSlotBytes));
    const auto* message = reinterpret_cast<const nlmsghdr*>(data);
    while (mnl_nlmsg_ok(message, remaining)) {
        if (message->nlmsg_type == NLMSG_ERROR) {
            if (message->nlmsg_len >= mnl_nlmsg_size(sizeof(nlmsgerr)) &&
                static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(message))->error != 0) {
                ++counters_.verdict_errors;
            }
        } else if (message->nlmsg_type == kPacketMessageType) {
            nlattr* attributes[NFQA_MAX + 1] = {};
            if (nfq_nlmsg_parse(const_cast<nlmsghdr*>(message), attributes) < 0 ||
                attributes[NFQA_PACKET_HDR] == nullptr) {
                ++counters_.malformed_messages;
            } else {
                const auto* packet_header = static_cast<const nfqnl_msg_packet_hdr*>(
                    mnl_attr_get_payload(attributes[NFQA_PACKET_HDR]));
                QueuedPacket packet;
                packet.packet_id = ntohl(packet_header->packet_id);
                packet.hook = static_cast<QueueHook>(packet_header->hook);
                if (attributes[NFQA_MARK] != nullptr) {
                    packet.mark = attribute_u32(attributes[NFQA_MARK]);
                }
                if (attributes[NFQA_UID] != nullptr) {
                    packet.uid = attribute_u32(attributes[NFQA_UID]);
                }
                if (attributes[NFQA_GID] != nullptr) {
                    packet.gid = attribute_u32(attributes[NFQA_GID]);
                }
                if (attributes[NFQA_IFINDEX_INDEV] != nullptr) {
                    packet.in_interface = attribute_u32(attributes[NFQA_IFINDEX_INDEV]);
                }
                if (attributes[NFQA_IFINDEX_OUTDEV] != nullptr) {
                    packet.out_interface = attribute_u32(attributes[NFQA_IFINDEX_OUTDEV]);
                }
                if (attributes[NFQA_CT] != nullptr) {
                    const nlattr* conntrack[CTA_MAX + 1] = {};
                    if (mnl_attr_parse_nested(attributes[NFQA_CT], parse_conntrack_attribute,
                                              conntrack) >= 0) {
                        QueuedConntrack info;
                        if (conntrack[CTA_ID] != nullptr) {
                            info.id = attribute_u32(conntrack[CTA_ID]);
                        }
                        if (conntrack[CTA_MARK] != nullptr) {
                            info.mark = attribute_u32(conntrack[CTA_MARK]);
                        }
                        if (attributes[NFQA_CT_INFO] != nullptr) {
                            info.info = attribute_u32(attributes[NFQA_CT_INFO]);
                        }
                        packet.conntrack = info;
                    }
                }
                if (attributes[NFQA_PAYLOAD] != nullptr) {
                    packet.payload = std::span<const std::uint8_t>(
                        static_cast<const std::uint8_t*>(
                            mnl_attr_get_payload(attributes[NFQA_PAYLOAD])),
                        mnl_attr_get_payload_len(attributes[NFQA_PAYLOAD]));
                }
                ++counters_.packets;
                ++handled;
                handler(packet);
            }
        }
        message = mnl_nlmsg_next(message, &remaining);
    }
}

void NfqueueSocket::issue(const PacketVerdict& verdict) {
    if (send_batch_used_ + kMaxVerdictMessageBytes > send_batch_.size()) {
        (void)flush();
    }
    nlmsghdr* header =
        nfq_nlmsg_put(send_batch_.data() + send_batch_used_, NFQNL_MSG_VERDICT, queue_number_);
    header->nlmsg_seq = ++sequence_;
    nfq_nlmsg_verdict_put(header, static_cast<int>(verdict.packet_id),
                          static_cast<int>(verdict.kind));
    if (verdict.mark) {
        nfq_nlmsg_verdict_put_mark(header, *verdict.mark);
    }
    if (verdict.conntrack_mark && features_.conntrack) {
        nlattr* nest = mnl_attr_nest_start(header, NFQA_CT);
        mnl_attr_put_u32(header, CTA_MARK, htonl(*verdict.conntrack_mark));
        mnl_attr_put_u32(header, CTA_MARK_MASK, htonl(verdict.conntrack_mark_mask));
        mnl_attr_nest_end(header, nest);
    }
    send_batch_used_ += NLMSG_ALIGN(header->nlmsg_len);
}

Result<void> NfqueueSocket::flush() {
    if (send_batch_used_ == 0) {
        return {};
    }
    const sockaddr_nl kernel = kernel_address();
    const std::size_t length = send_batch_used_;
    send_batch_used_ = 0;
    std::size_t messages = 0;
    int remaining = static_cast<int>(length);
    for (const auto* message = reinterpret_cast<const nlmsghdr*>(send_batch_.data());
         mnl_nlmsg_ok(message, remaining); message = mnl_nlmsg_next(message, &remaining)) {
        ++messages;
    }
    for (;;) {
        if (::sendto(socket_.get(), send_batch_.data(), length, 0,
                     reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) >= 0) {
            counters_.verdicts_sent += messages;
            return {};
        }
        if (errno != EINTR) {
            return errno_error("cannot send verdicts to NFQUEUE " + std::to_string(queue_number_));
        }
    }
}

}  // namespace sluice
