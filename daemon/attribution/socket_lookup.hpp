#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "daemon/attribution/socket_owner.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "rules/action.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

// Finds the local socket behind a connection with sock_diag exact lookups. Owns one
// NETLINK_SOCK_DIAG socket. Not thread-safe: used from one thread. A lookup blocks for one
// netlink round trip; the kernel answers synchronously, and a lost answer costs at most the
// receive timeout (kAnswerTimeout) before an Error.
class SocketLookup {
  public:
    static Result<SocketLookup> open();

    // Exact request (not a dump) for the socket that owns a connection seen from this host:
    // local address/port -> remote address/port. nullopt when no process-owned socket matches
    // (ENOENT, or a time-wait/request minisocket). IPv4 tuples are also tried against
    // dual-stack AF_INET6 sockets. Errors: protocol other than TCP/UDP, mixed address families,
    // syscall failures, timeouts and malformed answers.
    Result<std::optional<SocketOwner>> find(Protocol protocol, const IpAddress& local,
                                            std::uint16_t local_port, const IpAddress& remote,
                                            std::uint16_t remote_port);

  private:
    SocketLookup(Fd socket, std::uint32_t port_id);
    Result<std::optional<SocketOwner>> query(std::uint8_t family, Protocol protocol,
                                             const IpAddress& local, std::uint16_t local_port,
                                             const IpAddress& remote, std::uint16_t remote_port);
    void discard_pending_answers();

    Fd socket_;
    std::uint32_t port_id_ = 0;
    std::uint32_t sequence_ = 0;
    // Set after a failed exchange: a late or extra answer may still be queued and would
    // otherwise be read as the answer to the next request.
    bool answers_may_be_pending_ = false;
    std::vector<std::uint8_t> buffer_;
};

}  // namespace sluice
