#include "daemon/netfilter/conntrack_monitor.hpp"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>

#include "daemon/netfilter/conntrack_event.hpp"

namespace sluice {

namespace {

constexpr std::size_t kBufferBytes = 1 << 16;
// Events read per call before the loop looks at its other sources again.
constexpr std::size_t kMaxReceivesPerCall = 4096;
constexpr std::string_view kAccountingPath = "/proc/sys/net/netfilter/nf_conntrack_acct";

Result<Fd> open_netlink(bool nonblocking) {
    const int flags = SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    Fd socket(::socket(AF_NETLINK, SOCK_RAW | flags, NETLINK_NETFILTER));
    if (!socket) {
        return Error::from_errno("cannot open a conntrack netlink socket");
    }
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return Error::from_errno("cannot bind a conntrack netlink socket");
    }
    return socket;
}

}  // namespace

Result<void> enable_conntrack_accounting() {
    Fd file(::open(std::string(kAccountingPath).c_str(), O_WRONLY | O_CLOEXEC));
    if (!file) {
        return Error::from_errno("cannot open " + std::string(kAccountingPath));
    }
    if (::write(file.get(), "1\n", 2) != 2) {
        return Error::from_errno("cannot write " + std::string(kAccountingPath));
    }
    return {};
}

ConntrackMonitor::ConntrackMonitor(Fd events, Fd control, MarkLayout marks, const Options& options)
    : events_(std::move(events)),
      control_(std::move(control)),
      marks_(marks),
      options_(options),
      table_(marks, options.limits),
      buffer_(kBufferBytes / sizeof(std::uint32_t)) {}

Result<ConntrackMonitor> ConntrackMonitor::open(MarkLayout marks, const Options& options,
                                                SteadyTime now) {
    auto events = open_netlink(true);
    if (!events) {
        return events.error();
    }
    const int fd = events->get();
    // RCVBUFFORCE passes rmem_max (we have CAP_NET_ADMIN); plain RCVBUF is the fallback.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &options.receive_buffer_bytes,
                     sizeof options.receive_buffer_bytes) != 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer_bytes,
                     sizeof options.receive_buffer_bytes) != 0) {
        return Error::from_errno("cannot size the conntrack event socket's buffer");
    }
    const int on = 1;
    if (::setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on) != 0) {
        return Error::from_errno("cannot set NETLINK_NO_ENOBUFS on the conntrack event socket");
    }
    for (const int group : {NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_DESTROY}) {
        if (::setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
            return Error::from_errno("cannot subscribe to conntrack events");
        }
    }
    auto control = open_netlink(false);
    if (!control) {
        return control.error();
    }
    timeval timeout{};
    timeout.tv_sec = kReplyTimeout.count();
    if (::setsockopt(control->get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) {
        return Error::from_errno("cannot set a timeout on the conntrack control socket");
    }
    ConntrackMonitor monitor(std::move(*events), std::move(*control), marks, options);
    monitor.last_drops_ = monitor.socket_drops().value_or(0);
    // Subscribed first, dumped second: a flow that starts in between is in both, never in
    // neither.
    if (auto dumped = monitor.resync(now); !dumped) {
        return dumped.error();
    }
    return monitor;
}

std::optional<std::uint32_t> ConntrackMonitor::socket_drops() const {
    std::array<std::uint32_t, SK_MEMINFO_VARS> memory{};
    socklen_t length = sizeof memory;
    if (::getsockopt(events_.get(), SOL_SOCKET, SO_MEMINFO, memory.data(), &length) != 0 ||
        length < (SK_MEMINFO_DROPS + 1) * sizeof(std::uint32_t)) {
        return std::nullopt;
    }
    return memory[SK_MEMINFO_DROPS];
}

Result<std::size_t> ConntrackMonitor::receive(SteadyTime now) {
    std::size_t events = 0;
    bool lost = false;
    auto* bytes = reinterpret_cast<std::uint8_t*>(buffer_.data());
    const std::size_t capacity = buffer_.size() * sizeof(std::uint32_t);
    for (std::size_t i = 0; i < kMaxReceivesPerCall; ++i) {
        sockaddr_nl sender{};
        socklen_t sender_length = sizeof sender;
        const ssize_t received = ::recvfrom(events_.get(), bytes, capacity, MSG_DONTWAIT,
                                            reinterpret_cast<sockaddr*>(&sender), &sender_length);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ENOBUFS) {
                lost = true;
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            return Error::from_errno("cannot read conntrack events");
        }
        // Only the kernel (port 0) speaks for conntrack.
        if (sender.nl_pid != 0) {
            ++counters_.malformed;
            continue;
        }
        for (const auto message :
             split_netlink_datagram({bytes, static_cast<std::size_t>(received)})) {
            const auto entry = parse_conntrack_message(message);
            if (!entry) {
                ++counters_.malformed;
                continue;
            }
            ++counters_.events;
            ++events;
            table_.apply(*entry, now);
        }
    }
    if (const auto drops = socket_drops(); drops && *drops != last_drops_) {
        last_drops_ = *drops;
        lost = true;
    }
    if (lost) {
        ++counters_.losses;
        resync_due_ = true;
    }
    if (resync_due_ && (!last_resync_ || now - *last_resync_ >= options_.min_resync_interval)) {
        if (auto dumped = resync(now); !dumped) {
            return dumped.error();
        }
    }
    return events;
}

std::optional<ConntrackMonitor::SteadyTime> ConntrackMonitor::resync_deferred_until() const {
    if (!resync_due_ || !last_resync_) {
        return std::nullopt;
    }
    return *last_resync_ + options_.min_resync_interval;
}

Result<void> ConntrackMonitor::send_request(const std::vector<std::uint8_t>& request) {
    if (request.empty()) {
        return Error{"cannot build a conntrack request"};
    }
    // An answer left over from an exchange that timed out would be read as this one's.
    auto* bytes = reinterpret_cast<std::uint8_t*>(buffer_.data());
    while (::recv(control_.get(), bytes, buffer_.size() * sizeof(std::uint32_t), MSG_DONTWAIT) >
           0) {
    }
    if (::send(control_.get(), request.data(), request.size(), 0) !=
        static_cast<ssize_t>(request.size())) {
        return Error::from_errno("cannot send a conntrack request");
    }
    return {};
}

Result<void> ConntrackMonitor::resync(SteadyTime now) {
    const std::uint32_t sequence = ++sequence_;
    if (auto sent = send_request(build_conntrack_dump_request(sequence)); !sent) {
        return sent;
    }
    std::vector<ConntrackEntry> entries;
    auto* bytes = reinterpret_cast<std::uint8_t*>(buffer_.data());
    const std::size_t capacity = buffer_.size() * sizeof(std::uint32_t);
    bool done = false;
    while (!done) {
        const ssize_t received = ::recv(control_.get(), bytes, capacity, 0);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            return Error::from_errno("cannot read the conntrack table dump");
        }
        for (const auto message :
             split_netlink_datagram({bytes, static_cast<std::size_t>(received)})) {
            // Messages start at 4-byte aligned offsets of the aligned buffer.
            const auto* header = reinterpret_cast<const nlmsghdr*>(message.data());
            if (header->nlmsg_seq != sequence) {
                continue;
            }
            if (header->nlmsg_type == NLMSG_DONE) {
                done = true;
                break;
            }
            if (header->nlmsg_type == NLMSG_ERROR) {
                const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
                if (header->nlmsg_len >= NLMSG_HDRLEN + sizeof(nlmsgerr) && error->error != 0) {
                    errno = -error->error;
                    return Error::from_errno("cannot dump the conntrack table");
                }
                done = true;
                break;
            }
            if (auto entry = parse_conntrack_message(message)) {
                entries.push_back(*entry);
            }
        }
    }
    table_.replace_with_dump(entries, now);
    ++counters_.resyncs;
    resync_due_ = false;
    last_resync_ = now;
    return {};
}

Result<void> ConntrackMonitor::write_mark(const ConntrackTuple& original, MarkDecision decision) {
    const std::uint32_t sequence = ++sequence_;
    if (auto sent = send_request(build_conntrack_mark_request(original, marks_.value(decision),
                                                              marks_.mask(), sequence));
        !sent) {
        return sent;
    }
    auto* bytes = reinterpret_cast<std::uint8_t*>(buffer_.data());
    const std::size_t capacity = buffer_.size() * sizeof(std::uint32_t);
    while (true) {
        const ssize_t received = ::recv(control_.get(), bytes, capacity, 0);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            return Error::from_errno("cannot read the answer to a conntrack mark update");
        }
        for (const auto message :
             split_netlink_datagram({bytes, static_cast<std::size_t>(received)})) {
            const auto* header = reinterpret_cast<const nlmsghdr*>(message.data());
            if (header->nlmsg_seq != sequence || header->nlmsg_type != NLMSG_ERROR ||
                header->nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) {
                continue;
            }
            const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
            // ENOENT: the flow ended meanwhile, which is what the new decision wanted anyway.
            if (error->error == 0 || error->error == -ENOENT) {
                return {};
            }
            errno = -error->error;
            return Error::from_errno("cannot update the conntrack mark");
        }
    }
}

std::vector<ConntrackMonitor::AppliedChange> ConntrackMonitor::reevaluate(const RuleIndex& rules,
                                                                          Action default_action,
                                                                          WallTime wall_now) {
    std::vector<AppliedChange> applied;
    for (auto& change : table_.reevaluate(rules, default_action, wall_now)) {
        AppliedChange result{change, std::nullopt};
        if (change.confirmed) {
            if (auto written = write_mark(change.original, change.to); !written) {
                result.error = written.error();
            } else {
                ++counters_.marks_written;
            }
        }
        applied.push_back(std::move(result));
    }
    return applied;
}

}  // namespace sluice
