#include "daemon/attribution/socket_lookup.hpp"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <span>
#include <string>

#include "daemon/attribution/sock_diag_message.hpp"

namespace sluice {

namespace {

// The kernel answers an exact lookup synchronously inside send(); the timeout only bounds the
// wait when that answer was lost (receive buffer overrun).
constexpr std::chrono::milliseconds kAnswerTimeout{100};
// One inet_diag_msg plus the attributes the kernel always adds (shutdown, protocol, cgroup,
// sockopt, ...). MSG_TRUNC below catches an answer that still outgrows it.
constexpr std::size_t kAnswerBufferBytes = 8192;
// Bounds the loop that throws away stale answers, in case something keeps writing to us.
constexpr int kMaxDiscardedAnswers = 64;

sockaddr_nl kernel_address() {
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    return address;
}

}  // namespace

Result<SocketLookup> SocketLookup::open() {
    Fd socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!socket) {
        return Error::from_errno("opening NETLINK_SOCK_DIAG socket");
    }
    const auto timeout_us =
        std::chrono::duration_cast<std::chrono::microseconds>(kAnswerTimeout).count();
    const timeval timeout{timeout_us / 1000000, timeout_us % 1000000};
    if (::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
        return Error::from_errno("setting SO_RCVTIMEO on sock_diag socket");
    }
    sockaddr_nl local = kernel_address();
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
        return Error::from_errno("binding sock_diag socket");
    }
    // Connected to the kernel, the socket refuses unicasts from other processes
    // (netlink_unicast: ECONNREFUSED), so every answer we read comes from the kernel.
    const sockaddr_nl kernel = kernel_address();
    if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel)) != 0) {
        return Error::from_errno("connecting sock_diag socket to the kernel");
    }
    socklen_t length = sizeof(local);
    if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        return Error::from_errno("reading sock_diag socket's port id");
    }
    return SocketLookup(std::move(socket), local.nl_pid);
}

SocketLookup::SocketLookup(Fd socket, std::uint32_t port_id)
    : socket_(std::move(socket)), port_id_(port_id), buffer_(kAnswerBufferBytes) {}

Result<std::optional<SocketOwner>> SocketLookup::find(Protocol protocol, const IpAddress& local,
                                                      std::uint16_t local_port,
                                                      const IpAddress& remote,
                                                      std::uint16_t remote_port) {
    if (protocol != Protocol::kTcp && protocol != Protocol::kUdp) {
        return Error{"socket lookup: protocol " + std::string(to_string(protocol)) +
                     " is not supported (only tcp and udp)"};
    }
    if (local.is_v4() != remote.is_v4()) {
        return Error{"socket lookup: local address " + local.to_string() + " and remote address " +
                     remote.to_string() + " differ in family"};
    }
    if (!local.is_v4()) {
        return query(AF_INET6, protocol, local, local_port, remote, remote_port);
    }
    auto found = query(AF_INET, protocol, local, local_port, remote, remote_port);
    if (!found.ok() || found->has_value()) {
        return found;
    }
    // An AF_INET6 socket without IPV6_V6ONLY carries IPv4 traffic as v4-mapped addresses; ask
    // the IPv6 side too in case the IPv4 tables do not list it.
    return query(AF_INET6, protocol, local, local_port, remote, remote_port);
}

Result<std::optional<SocketOwner>> SocketLookup::query(std::uint8_t family, Protocol protocol,
                                                       const IpAddress& local,
                                                       std::uint16_t local_port,
                                                       const IpAddress& remote,
                                                       std::uint16_t remote_port) {
    if (answers_may_be_pending_) {
        discard_pending_answers();
    }
    // Netlink treats sequence 0 as "not tracked" (mnl_nlmsg_seq_ok); never send it.
    if (++sequence_ == 0) {
        ++sequence_;
    }
    const std::size_t request_length = build_sock_diag_request(
        buffer_, family, protocol, local, local_port, remote, remote_port, sequence_);
    ssize_t sent = 0;
    do {
        sent = ::send(socket_.get(), buffer_.data(), request_length, 0);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        return Error::from_errno("sending sock_diag request");
    }

    ssize_t received = 0;
    do {
        received = ::recv(socket_.get(), buffer_.data(), buffer_.size(), MSG_TRUNC);
    } while (received < 0 && errno == EINTR);
    if (received < 0) {
        answers_may_be_pending_ = true;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return Error{"no sock_diag answer within " + std::to_string(kAnswerTimeout.count()) +
                         " ms"};
        }
        return Error::from_errno("receiving sock_diag answer");
    }
    if (static_cast<std::size_t>(received) > buffer_.size()) {
        return Error{"sock_diag answer of " + std::to_string(received) + " bytes exceeds the " +
                     std::to_string(buffer_.size()) + " byte buffer"};
    }
    auto answer = parse_sock_diag_answer(
        std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(received)),
        sequence_, port_id_);
    if (!answer.ok()) {
        answers_may_be_pending_ = true;
    }
    return answer;
}

void SocketLookup::discard_pending_answers() {
    for (int discarded = 0; discarded < kMaxDiscardedAnswers; ++discarded) {
        if (::recv(socket_.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT | MSG_TRUNC) < 0 &&
            errno != EINTR) {
            break;
        }
    }
    answers_may_be_pending_ = false;
}

}  // namespace sluice
