#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "daemon/base/result.hpp"

namespace sluice {

// Wire format of the kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC,
// linux/cn_proc.h): building the subscribe request and reading event datagrams. Pure byte
// handling, no syscalls, so it is unit-tested and fuzzed without a kernel.

struct ProcEvent {
    enum class Kind : std::uint8_t {
        kAck,   // answer to a listen/ignore request; ack_error is its errno
        kFork,  // pid is the child, parent_pid the parent (thread group ids)
        kExec,
        kUid,  // real_id / effective_id are the new uids
        kGid,  // real_id / effective_id are the new gids
        kExit,
        kOther,  // sid, ptrace, comm, coredump: nothing we track
    };

    Kind kind = Kind::kOther;
    std::uint64_t timestamp_ns = 0;  // kernel time of the event (ns since boot)
    std::uint32_t pid = 0;           // the process (thread group id) the event is about
    std::uint32_t thread_id = 0;     // the thread; differs from pid for a thread's fork/exit
    std::uint32_t parent_pid = 0;    // fork and exit: the parent's thread group id, 0 if unknown
    std::uint32_t real_id = 0;
    std::uint32_t effective_id = 0;
    std::uint32_t ack_error = 0;
    // The connector message's ack field: the kernel answers a request with the request's ack
    // plus one (its seq field is overwritten with an event counter on recent kernels).
    std::uint32_t connector_ack = 0;

    // A thread came or went: the process itself is unchanged.
    [[nodiscard]] bool is_thread() const { return thread_id != pid; }
};

// netlink header + struct cn_msg + the 4-byte enum proc_cn_mcast_op.
inline constexpr std::size_t kProcConnectorRequestBytes = 16 + 20 + 4;

// Writes a PROC_CN_MCAST_LISTEN (or, with listen false, PROC_CN_MCAST_IGNORE) request from
// netlink port `port_id` into `buffer` (at least kProcConnectorRequestBytes, 4-byte aligned) and
// returns its length. The request carries `port_id` as its connector ack, so the answer (ack
// port_id + 1) is told apart from other subscribers' answers, which every listener receives.
std::size_t build_proc_connector_request(std::span<std::uint8_t> buffer, bool listen,
                                         std::uint32_t sequence, std::uint32_t port_id);

// Appends the events of one received datagram to `events`. Messages of other connector users
// and netlink no-ops are skipped. A truncated, oversized or malformed message is an Error;
// events parsed before it stay in `events`. Never trusts a length field.
Result<void> parse_proc_connector_datagram(std::span<const std::uint8_t> datagram,
                                           std::vector<ProcEvent>& events);

}  // namespace sluice
