#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "daemon/attribution/socket_owner.hpp"
#include "daemon/base/result.hpp"
#include "rules/action.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

// Wire format of one sock_diag exact lookup (SOCK_DIAG_BY_FAMILY without NLM_F_DUMP) of an
// inet socket: building the request and checking the single answer. Pure byte handling, no
// syscalls, so it is unit-tested and fuzzed without a kernel.

// Bytes one request takes: netlink header + struct inet_diag_req_v2.
inline constexpr std::size_t kSockDiagRequestBytes = 16 + 56;

// Writes a request for the socket owning local:local_port <-> remote:remote_port into `buffer`
// (at least kSockDiagRequestBytes, 4-byte aligned) and returns its length. `family` is AF_INET
// (both addresses must be IPv4) or AF_INET6 (IPv4 addresses are sent v4-mapped). Hides the
// kernel's per-protocol conventions: TCP takes the socket's local side as idiag_src, UDP the
// remote side. `protocol` must be TCP or UDP.
std::size_t build_sock_diag_request(std::span<std::uint8_t> buffer, std::uint8_t family,
                                    Protocol protocol, const IpAddress& local,
                                    std::uint16_t local_port, const IpAddress& remote,
                                    std::uint16_t remote_port, std::uint32_t sequence);

// Checks the kernel's answer to request `sequence` sent from netlink port `port_id`. Returns
// the owner, nullopt when there is no such socket (ENOENT) or only a time-wait / request
// minisocket that belongs to no process, or an Error for any other errno and for a malformed,
// truncated or mismatched (sequence, port, type) answer. Never trusts a length field.
Result<std::optional<SocketOwner>> parse_sock_diag_answer(std::span<const std::uint8_t> answer,
                                                          std::uint32_t sequence,
                                                          std::uint32_t port_id);

}  // namespace sluice
