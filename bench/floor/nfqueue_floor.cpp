// The floor: the least work any NFQUEUE daemon can do per new flow on sluiced's queue set-up.
// It installs the very same chains (FirewallSetup, not on the measured path), binds the queue
// with the smallest copy range and answers every packet at once with the verdict sluiced gives
// an allowed flow: NF_REPEAT with the allow value under the mark mask (plus the same conntrack
// mark when the kernel has the ct glue). So everything the kernel does for the flow's later
// packets is identical, and the difference to sluiced is sluiced's own userspace work.
//
//   nfqueue_floor [--queue N] [--mark-mask 0x00700000] [--fail open|closed]
//                 [--backend auto|iptables|iptables-legacy|nftables|none] [--inbound]
//
// Prints "nfqueue_floor ready" once bound and installed; on SIGTERM/SIGINT removes the chains
// and prints its counters as one JSON line.

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include <libnetfilter_queue/libnetfilter_queue.h>
}

#include "bench/tools/arguments.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "daemon/netfilter/firewall_setup.hpp"
#include "daemon/netfilter/mark_layout.hpp"

namespace sluice::bench {
namespace {

constexpr std::size_t kReceiveSlots = 128;
// With NFQNL_COPY_META a packet message is its headers and metadata only (~200 bytes).
constexpr std::size_t kReceiveSlotBytes = 2048;
constexpr std::size_t kVerdictBytes = 256;
constexpr std::uint32_t kQueueMaxLen = 4096;  // queue.max_len default, as sluiced
constexpr int kAckTimeoutMs = 2000;
constexpr std::uint16_t kPacketMessageType = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET;

struct FloorOptions {
    std::uint16_t queue_number = 4242;
    MarkLayout marks = *MarkLayout::from_mask(0x00700000);
    bool fail_open = true;
    std::string backend = "auto";
    bool inbound = false;
};

struct FloorCounters {
    std::uint64_t packets = 0;
    std::uint64_t batches = 0;
    std::uint64_t receive_overruns = 0;
    std::uint64_t send_errors = 0;
};

sockaddr_nl kernel_address() {
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    return address;
}

// The queue loop. Deliberately its own code and not daemon/netfilter/nfqueue_socket: the floor
// must stay the minimum even when the daemon's socket layer grows.
class FloorQueue {
  public:
    static Result<FloorQueue> open(const FloorOptions& options) {
        Fd socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER));
        if (!socket) {
            return Error::from_errno("cannot open NETLINK_NETFILTER socket");
        }
        sockaddr_nl local = kernel_address();
        if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
            return Error::from_errno("cannot bind netlink socket");
        }
        const int on = 1;
        (void)::setsockopt(socket.get(), SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on);
        const int receive_bytes = 16 << 20;
        if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_bytes,
                         sizeof receive_bytes) != 0) {
            return Error::from_errno("cannot size the netlink receive buffer");
        }
        FloorQueue queue(std::move(socket), options);
        if (auto configured = queue.configure(options); !configured) {
            return configured.error();
        }
        return queue;
    }

    [[nodiscard]] int fd() const { return socket_.get(); }
    [[nodiscard]] bool conntrack_glue() const { return conntrack_glue_; }
    [[nodiscard]] const FloorCounters& counters() const { return counters_; }

    // Answers every packet waiting in the socket, one sendto per received batch.
    void drain() {
        for (;;) {
            const int received = ::recvmmsg(socket_.get(), ring_->headers.data(), kReceiveSlots,
                                            MSG_DONTWAIT, nullptr);
            if (received < 0) {
                if (errno == ENOBUFS) {
                    ++counters_.receive_overruns;
                    continue;
                }
                return;  // EAGAIN, or EINTR: poll wakes us again
            }
            std::size_t used = 0;
            for (int i = 0; i < received; ++i) {
                const auto slot = static_cast<std::size_t>(i);
                used = answer(ring_->buffers[slot].data(), ring_->headers[slot].msg_len, used);
            }
            ++counters_.batches;
            send(used);
            if (static_cast<std::size_t>(received) < kReceiveSlots) {
                return;
            }
        }
    }

  private:
    struct Ring {
        std::array<std::array<char, kReceiveSlotBytes>, kReceiveSlots> buffers{};
        std::array<iovec, kReceiveSlots> vectors{};
        std::array<mmsghdr, kReceiveSlots> headers{};
        Ring() {
            for (std::size_t i = 0; i < kReceiveSlots; ++i) {
                vectors[i] = iovec{buffers[i].data(), buffers[i].size()};
                headers[i].msg_hdr.msg_iov = &vectors[i];
                headers[i].msg_hdr.msg_iovlen = 1;
            }
        }
    };

    FloorQueue(Fd socket, const FloorOptions& options)
        : socket_(std::move(socket)),
          queue_number_(options.queue_number),
          marks_(options.marks),
          ring_(std::make_unique<Ring>()),
          verdicts_(kReceiveSlots * kVerdictBytes) {}

    Result<void> configure(const FloorOptions& options) {
        std::vector<char> message(MNL_SOCKET_BUFFER_SIZE);
        nlmsghdr* header = nfq_nlmsg_put(message.data(), NFQNL_MSG_CONFIG, queue_number_);
        nfq_nlmsg_cfg_put_cmd(header, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
        if (auto bound = request(message, "cannot bind the queue"); !bound) {
            return bound;
        }
        header = nfq_nlmsg_put(message.data(), NFQNL_MSG_CONFIG, queue_number_);
        nfq_nlmsg_cfg_put_params(header, NFQNL_COPY_META, 0);
        nfq_nlmsg_cfg_put_qmaxlen(header, kQueueMaxLen);
        if (auto set = request(message, "cannot set the copy range"); !set) {
            return set;
        }
        auto set_flag = [&](std::uint32_t flag, bool enable, const char* what) {
            nlmsghdr* flag_header = nfq_nlmsg_put(message.data(), NFQNL_MSG_CONFIG, queue_number_);
            mnl_attr_put_u32(flag_header, NFQA_CFG_FLAGS, htonl(enable ? flag : 0));
            mnl_attr_put_u32(flag_header, NFQA_CFG_MASK, htonl(flag));
            return request(message, what);
        };
        if (auto fail = set_flag(NFQA_CFG_F_FAIL_OPEN, options.fail_open, "cannot set fail-open");
            !fail) {
            return fail;
        }
        // sluiced puts the ct mark into its verdict when the kernel accepts the conntrack flag;
        // the floor does the same so the kernel's work per verdict is the same. The flag itself
        // is switched off again: the floor reads nothing of the conntrack entry.
        conntrack_glue_ = set_flag(NFQA_CFG_F_CONNTRACK, true, "conntrack flag").ok();
        if (conntrack_glue_) {
            (void)set_flag(NFQA_CFG_F_CONNTRACK, false, "conntrack flag");
        }
        return {};
    }

    Result<void> request(std::vector<char>& message, const char* what) {
        auto* header = reinterpret_cast<nlmsghdr*>(message.data());
        header->nlmsg_flags |= NLM_F_ACK;
        header->nlmsg_seq = ++sequence_;
        const sockaddr_nl kernel = kernel_address();
        if (::sendto(socket_.get(), message.data(), header->nlmsg_len, 0,
                     reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
            return Error::from_errno(what);
        }
        std::array<char, 8192> answer{};
        for (;;) {
            pollfd readable{socket_.get(), POLLIN, 0};
            if (::poll(&readable, 1, kAckTimeoutMs) <= 0) {
                return Error{std::string(what) + ": no answer from the kernel", ETIMEDOUT};
            }
            const ssize_t received = ::recv(socket_.get(), answer.data(), answer.size(), 0);
            if (received < 0) {
                if (errno == EINTR || errno == EAGAIN) {
                    continue;
                }
                return Error::from_errno(what);
            }
            int remaining = static_cast<int>(received);
            for (const auto* reply = reinterpret_cast<const nlmsghdr*>(answer.data());
                 mnl_nlmsg_ok(reply, remaining); reply = mnl_nlmsg_next(reply, &remaining)) {
                if (reply->nlmsg_type == NLMSG_ERROR && reply->nlmsg_seq == sequence_ &&
                    reply->nlmsg_len >= mnl_nlmsg_size(sizeof(nlmsgerr))) {
                    const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(reply));
                    if (error->error != 0) {
                        return Error{what, -error->error};
                    }
                    return {};
                }
            }
        }
    }

    // Appends the verdict for the packet message in `data` at `used`; returns the new length.
    std::size_t answer(const char* data, std::size_t length, std::size_t used) {
        int remaining = static_cast<int>(std::min(length, kReceiveSlotBytes));
        for (const auto* message = reinterpret_cast<const nlmsghdr*>(data);
             mnl_nlmsg_ok(message, remaining); message = mnl_nlmsg_next(message, &remaining)) {
            if (message->nlmsg_type != kPacketMessageType) {
                continue;
            }
            nlattr* attributes[NFQA_MAX + 1] = {};
            if (nfq_nlmsg_parse(const_cast<nlmsghdr*>(message), attributes) < 0 ||
                attributes[NFQA_PACKET_HDR] == nullptr || used + kVerdictBytes > verdicts_.size()) {
                continue;
            }
            const auto* packet = static_cast<const nfqnl_msg_packet_hdr*>(
                mnl_attr_get_payload(attributes[NFQA_PACKET_HDR]));
            const std::uint32_t mark = attributes[NFQA_MARK] != nullptr
                                           ? ntohl(mnl_attr_get_u32(attributes[NFQA_MARK]))
                                           : 0;
            nlmsghdr* verdict =
                nfq_nlmsg_put(verdicts_.data() + used, NFQNL_MSG_VERDICT, queue_number_);
            nfq_nlmsg_verdict_put(verdict, static_cast<int>(ntohl(packet->packet_id)), NF_REPEAT);
            nfq_nlmsg_verdict_put_mark(verdict, marks_.apply(mark, MarkDecision::kAllow));
            if (conntrack_glue_) {
                nlattr* nest = mnl_attr_nest_start(verdict, NFQA_CT);
                mnl_attr_put_u32(verdict, CTA_MARK, htonl(marks_.value(MarkDecision::kAllow)));
                mnl_attr_put_u32(verdict, CTA_MARK_MASK, htonl(marks_.mask()));
                mnl_attr_nest_end(verdict, nest);
            }
            used += NLMSG_ALIGN(verdict->nlmsg_len);
            ++counters_.packets;
        }
        return used;
    }

    void send(std::size_t length) {
        if (length == 0) {
            return;
        }
        const sockaddr_nl kernel = kernel_address();
        while (::sendto(socket_.get(), verdicts_.data(), length, 0,
                        reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
            if (errno != EINTR) {
                ++counters_.send_errors;
                return;
            }
        }
    }

    Fd socket_;
    std::uint16_t queue_number_;
    MarkLayout marks_;
    std::unique_ptr<Ring> ring_;
    std::vector<char> verdicts_;
    std::uint32_t sequence_ = 0;
    bool conntrack_glue_ = false;
    FloorCounters counters_;
};

FloorOptions parse_options(int argc, char** argv) {
    Arguments arguments(argc, argv);
    FloorOptions options;
    const auto queue = arguments.number("--queue", 4242);
    if (queue > 65535) {
        throw std::invalid_argument("--queue: out of range");
    }
    options.queue_number = static_cast<std::uint16_t>(queue);
    const auto mask = MarkLayout::from_mask(
        static_cast<std::uint32_t>(arguments.number("--mark-mask", 0x00700000)));
    if (!mask) {
        throw std::invalid_argument("--mark-mask: not a contiguous mask of 3 or more bits");
    }
    options.marks = *mask;
    const std::string fail = arguments.text("--fail", "open");
    if (fail != "open" && fail != "closed") {
        throw std::invalid_argument("--fail: open or closed");
    }
    options.fail_open = fail == "open";
    options.backend = arguments.text("--backend", "auto");
    options.inbound = arguments.flag("--inbound");
    arguments.finish();
    return options;
}

Result<Fd> stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
        return Error::from_errno("cannot block signals");
    }
    Fd fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) {
        return Error::from_errno("cannot create signalfd");
    }
    return fd;
}

int run(const FloorOptions& options) {
    auto signals = stop_signals();
    if (!signals) {
        std::fprintf(stderr, "nfqueue_floor: %s\n", signals.error().message().c_str());
        return 1;
    }
    auto queue = FloorQueue::open(options);
    if (!queue) {
        std::fprintf(stderr, "nfqueue_floor: %s\n", queue.error().message().c_str());
        return 2;
    }
    std::optional<FirewallSetup> firewall;
    if (options.backend != "none") {
        const auto tool = resolve_firewall_tool(options.backend);
        if (!tool) {
            std::fprintf(stderr, "nfqueue_floor: no firewall tool for backend %s\n",
                         options.backend.c_str());
            return 2;
        }
        auto installed = FirewallSetup::install(
            *tool,
            FirewallPlan{options.queue_number, options.fail_open, options.marks, options.inbound});
        if (!installed) {
            std::fprintf(stderr, "nfqueue_floor: %s\n", installed.error().message().c_str());
            return 2;
        }
        firewall.emplace(std::move(*installed));
    }
    std::printf("nfqueue_floor ready (queue %u, conntrack glue: %s)\n", options.queue_number,
                queue->conntrack_glue() ? "yes" : "no");
    std::fflush(stdout);

    std::array<pollfd, 2> watched{pollfd{queue->fd(), POLLIN, 0},
                                  pollfd{signals->get(), POLLIN, 0}};
    while (watched[1].revents == 0) {
        if (::poll(watched.data(), watched.size(), -1) < 0 && errno != EINTR) {
            std::perror("nfqueue_floor: poll");
            break;
        }
        if (watched[0].revents != 0) {
            queue->drain();
        }
    }
    int status = 0;
    if (firewall) {
        if (auto removed = firewall->remove(); !removed) {
            std::fprintf(stderr, "nfqueue_floor: %s\n", removed.error().message().c_str());
            status = 1;
        }
    }
    const auto& counters = queue->counters();
    std::printf(
        "{\"packets\": %llu, \"batches\": %llu, \"receive_overruns\": %llu, "
        "\"send_errors\": %llu}\n",
        static_cast<unsigned long long>(counters.packets),
        static_cast<unsigned long long>(counters.batches),
        static_cast<unsigned long long>(counters.receive_overruns),
        static_cast<unsigned long long>(counters.send_errors));
    return status;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
    sluice::bench::FloorOptions options;
    try {
        options = sluice::bench::parse_options(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "nfqueue_floor: %s\n", error.what());
        return 1;
    }
    return sluice::bench::run(options);
}
