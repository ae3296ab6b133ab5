#include "daemon/attribution/proc_connector.hpp"

#include <fcntl.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <utility>

#include "daemon/attribution/process_lookup.hpp"

namespace sluice {

namespace {

// Room for a burst of fork/exec/exit storms between two reads: each event is one ~100 byte
// datagram, accounted at roughly 1 KiB of skb truesize.
constexpr int kReceiveBufferBytes = 16 * 1024 * 1024;
constexpr std::size_t kDatagramBytes = 512;
constexpr std::size_t kBatch = 64;
constexpr std::chrono::milliseconds kAckTimeout{1000};
constexpr std::uint32_t kListenSequence = 1;
constexpr int kMaxAncestors = 64;

sockaddr_nl kernel_address() {
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    return address;
}

struct Socket {
    Fd fd;
    std::uint32_t port_id = 0;
};

Result<Socket> create_socket() {
    Fd socket(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR));
    if (!socket) {
        return Error::from_errno("opening NETLINK_CONNECTOR socket");
    }
    // FORCE goes past net.core.rmem_max (we run with CAP_NET_ADMIN); plain SO_RCVBUF otherwise.
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBufferBytes,
                     sizeof(kReceiveBufferBytes)) != 0) {
        static_cast<void>(::setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes,
                                       sizeof(kReceiveBufferBytes)));
    }
    sockaddr_nl local = kernel_address();
    local.nl_groups = CN_IDX_PROC;
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
        return Error::from_errno("binding proc connector socket to CN_IDX_PROC");
    }
    socklen_t length = sizeof(local);
    if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        return Error::from_errno("reading proc connector socket's port id");
    }
    return Socket{std::move(socket), local.nl_pid};
}

Result<void> send_request(const Fd& socket, std::uint32_t port_id, bool listen,
                          std::uint32_t sequence) {
    alignas(4) std::array<std::uint8_t, kProcConnectorRequestBytes> request{};
    const std::size_t length = build_proc_connector_request(request, listen, sequence, port_id);
    const sockaddr_nl kernel = kernel_address();
    ssize_t sent = 0;
    do {
        sent = ::sendto(socket.get(), request.data(), length, 0,
                        reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        return Error::from_errno(listen ? "subscribing to process events"
                                        : "unsubscribing from process events");
    }
    return {};
}

// Waits for the kernel's acknowledgement of our request (connector ack `port_id` + 1). Events (ours
// or other listeners' acks) arriving first are dropped: the table is filled by a /proc walk after
// this.
Result<void> await_ack(const Fd& socket, std::uint32_t port_id) {
    const auto deadline = std::chrono::steady_clock::now() + kAckTimeout;
    std::array<std::uint8_t, kDatagramBytes> buffer{};
    std::vector<ProcEvent> events;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return Error{"the kernel did not acknowledge the process events subscription within " +
                         std::to_string(kAckTimeout.count()) +
                         " ms (not in the initial pid and user namespaces?)"};
        }
        pollfd waiting{socket.get(), POLLIN, 0};
        const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            return Error::from_errno("waiting for the process events acknowledgement");
        }
        if (ready <= 0) {
            continue;
        }
        sockaddr_nl sender{};
        socklen_t sender_length = sizeof(sender);
        const ssize_t received = ::recvfrom(socket.get(), buffer.data(), buffer.size(), 0,
                                            reinterpret_cast<sockaddr*>(&sender), &sender_length);
        if (received < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) {
                continue;
            }
            return Error::from_errno("reading the process events acknowledgement");
        }
        if (sender.nl_pid != 0) {
            continue;
        }
        events.clear();
        static_cast<void>(parse_proc_connector_datagram(
            std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(received)),
            events));
        for (const ProcEvent& event : events) {
            if (event.kind == ProcEvent::Kind::kAck && event.connector_ack == port_id + 1) {
                if (event.ack_error != 0) {
                    return Error{"the kernel refused the process events subscription",
                                 static_cast<int>(event.ack_error)};
                }
                return {};
            }
        }
    }
}

// Creates the socket in the network namespace at `netns_path` and comes back to ours.
Result<Socket> create_socket_in(const std::string& netns_path) {
    const Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own) {
        return Error::from_errno("opening our own network namespace");
    }
    const Fd target(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!target) {
        return Error::from_errno("opening " + netns_path);
    }
    if (::setns(target.get(), CLONE_NEWNET) != 0) {
        return Error::from_errno("entering the network namespace of " + netns_path);
    }
    auto socket = create_socket();
    if (::setns(own.get(), CLONE_NEWNET) != 0) {
        // Every later socket and child process of this thread would land in the wrong
        // namespace; there is no sane way to continue.
        return Error{
            "cannot return to our own network namespace after opening the process "
            "connector: " +
            std::string(std::strerror(errno))};
    }
    return socket;
}

std::optional<std::pair<dev_t, ino_t>> namespace_id(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        return std::nullopt;
    }
    return std::pair{status.st_dev, status.st_ino};
}

// Network namespaces that may be the initial one: pid 1's, then our ancestors' (pid 1 may be
// unreadable in a sandbox while a parent still lives in the initial namespace, e.g. a
// daemon started by `ip netns exec`). Ours and duplicates are left out.
std::vector<std::string> candidate_namespaces(const std::string& proc_root) {
    std::vector<std::string> candidates;
    std::vector<std::pair<dev_t, ino_t>> seen;
    if (const auto own = namespace_id("/proc/thread-self/ns/net")) {
        seen.push_back(*own);
    }
    const auto consider = [&](std::uint32_t pid) {
        const std::string path = proc_root + "/" + std::to_string(pid) + "/ns/net";
        const auto id = namespace_id(path);
        if (!id) {
            // Unreadable: still worth a try, the error then names it.
            candidates.push_back(path);
        } else if (std::find(seen.begin(), seen.end(), *id) == seen.end()) {
            seen.push_back(*id);
            candidates.push_back(path);
        }
    };
    consider(1);
    const Fd proc(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto pid = static_cast<std::uint32_t>(::getppid());
    for (int depth = 0; proc && depth < kMaxAncestors && pid > 1; ++depth) {
        consider(pid);
        const auto stat = read_process_stat(proc.get(), pid);
        pid = stat ? stat->ppid : 0;
    }
    return candidates;
}

// Tries each candidate namespace until the kernel accepts the subscription there.
Result<Socket> subscribe_in_initial_namespace(const std::string& proc_root) {
    std::string tried;
    for (const std::string& path : candidate_namespaces(proc_root)) {
        auto socket = create_socket_in(path);
        if (!socket) {
            if (socket.error().errno_value == 0) {
                return socket.error();  // could not come back: nothing else is safe
            }
            tried += "; " + socket.error().message();
            continue;
        }
        auto subscribed = send_request(socket->fd, socket->port_id, true, kListenSequence);
        if (subscribed.ok()) {
            return socket;
        }
        tried += "; " + path + ": " + subscribed.error().message();
    }
    return Error{
        "process connector is only available in the initial network namespace, "
        "and none was reachable" +
        tried};
}

}  // namespace

Result<ProcConnector> ProcConnector::open(const std::string& proc_root) {
    auto socket = create_socket();
    if (!socket) {
        return socket.error();
    }
    bool elsewhere = false;
    auto subscribed = send_request(socket->fd, socket->port_id, true, kListenSequence);
    if (!subscribed.ok() && subscribed.error().errno_value == ECONNREFUSED) {
        // No connector kernel socket in this network namespace: only the initial one has it.
        auto found = subscribe_in_initial_namespace(proc_root);
        if (!found) {
            return found.error();
        }
        socket = std::move(*found);
        elsewhere = true;
    } else if (!subscribed.ok()) {
        return subscribed.error();
    }
    if (auto acked = await_ack(socket->fd, socket->port_id); !acked.ok()) {
        return acked.error();
    }
    return ProcConnector(std::move(socket->fd), socket->port_id, elsewhere);
}

ProcConnector::ProcConnector(Fd socket, std::uint32_t port_id, bool opened_elsewhere)
    : socket_(std::move(socket)),
      port_id_(port_id),
      opened_elsewhere_(opened_elsewhere),
      buffers_(kDatagramBytes * kBatch) {}

ProcConnector::ProcConnector(ProcConnector&& other) noexcept
    : socket_(std::move(other.socket_)),
      port_id_(other.port_id_),
      opened_elsewhere_(other.opened_elsewhere_),
      counters_(other.counters_),
      buffers_(std::move(other.buffers_)) {}

ProcConnector& ProcConnector::operator=(ProcConnector&& other) noexcept {
    if (this != &other) {
        unsubscribe();
        socket_ = std::move(other.socket_);
        port_id_ = other.port_id_;
        opened_elsewhere_ = other.opened_elsewhere_;
        counters_ = other.counters_;
        buffers_ = std::move(other.buffers_);
    }
    return *this;
}

ProcConnector::~ProcConnector() {
    unsubscribe();
}

void ProcConnector::unsubscribe() {
    if (socket_) {
        // The kernel counts listeners and stops building events when none is left.
        static_cast<void>(send_request(socket_, port_id_, false, 2));
    }
}

Result<ProcConnector::ReadStatus> ProcConnector::read(std::vector<ProcEvent>& events,
                                                      std::size_t max_datagrams) {
    std::array<mmsghdr, kBatch> messages{};
    std::array<iovec, kBatch> vectors{};
    std::array<sockaddr_nl, kBatch> senders{};
    std::size_t done = 0;
    while (done < max_datagrams) {
        const std::size_t batch = std::min(kBatch, max_datagrams - done);
        for (std::size_t i = 0; i < batch; ++i) {
            vectors[i] = {buffers_.data() + i * kDatagramBytes, kDatagramBytes};
            messages[i] = {};
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &senders[i];
            messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_nl);
        }
        const int received = ::recvmmsg(socket_.get(), messages.data(),
                                        static_cast<unsigned>(batch), MSG_DONTWAIT, nullptr);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return ReadStatus::kDrained;
            }
            if (errno == ENOBUFS) {
                ++counters_.overruns;
                return ReadStatus::kOverrun;
            }
            return Error::from_errno("reading process events");
        }
        for (int i = 0; i < received; ++i) {
            ++counters_.datagrams;
            const auto& header = messages[static_cast<std::size_t>(i)].msg_hdr;
            if (senders[static_cast<std::size_t>(i)].nl_pid != 0) {
                ++counters_.foreign;
                continue;
            }
            if ((header.msg_flags & MSG_TRUNC) != 0) {
                ++counters_.malformed;
                continue;
            }
            const std::size_t before = events.size();
            const auto parsed = parse_proc_connector_datagram(
                std::span<const std::uint8_t>(
                    buffers_.data() + static_cast<std::size_t>(i) * kDatagramBytes,
                    messages[static_cast<std::size_t>(i)].msg_len),
                events);
            if (!parsed.ok()) {
                ++counters_.malformed;
            }
            counters_.events += events.size() - before;
        }
        done += static_cast<std::size_t>(received);
        if (static_cast<std::size_t>(received) < batch) {
            return ReadStatus::kDrained;
        }
    }
    return ReadStatus::kMore;
}

}  // namespace sluice
