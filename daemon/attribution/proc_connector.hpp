#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/attribution/proc_connector_message.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// Subscription to the kernel's process events (fork, exec, exit, uid/gid changes) over
// NETLINK_CONNECTOR / CN_IDX_PROC. Owns one non-blocking netlink socket with a large receive
// buffer, for the event loop to watch. Not thread-safe: one owning thread. The kernel only
// delivers these events to sockets in the initial network namespace, the initial pid and user
// namespaces, and to CAP_NET_ADMIN.
class ProcConnector {
  public:
    struct Counters {
        std::uint64_t datagrams = 0;
        std::uint64_t events = 0;
        std::uint64_t malformed = 0;  // unparsable or truncated datagrams
        std::uint64_t foreign = 0;    // datagrams not sent by the kernel, dropped
        std::uint64_t overruns = 0;   // ENOBUFS: the kernel dropped events for us
    };

    enum class ReadStatus : std::uint8_t {
        kDrained,  // nothing more waiting
        kMore,     // stopped at max_datagrams; more may be waiting
        kOverrun,  // events were lost: the reader must resync from /proc
    };

    // Subscribes. Where this network namespace has no process connector (it exists only in the
    // initial one) the socket is created in the network namespace of PROC/1, or failing that of
    // the nearest ancestor process where the kernel accepts the subscription (needs
    // CAP_SYS_ADMIN); `opened_elsewhere()` then says so. Error when all fail, when the kernel
    // refuses the subscription or does not acknowledge it within a second.
    static Result<ProcConnector> open(const std::string& proc_root = "/proc");

    ProcConnector(ProcConnector&& other) noexcept;
    ProcConnector& operator=(ProcConnector&& other) noexcept;
    ProcConnector(const ProcConnector&) = delete;
    ProcConnector& operator=(const ProcConnector&) = delete;
    // Unsubscribes, so the kernel stops building events if nobody else listens.
    ~ProcConnector();

    [[nodiscard]] int fd() const { return socket_.get(); }
    [[nodiscard]] bool opened_elsewhere() const { return opened_elsewhere_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }

    // Reads waiting datagrams without blocking, at most `max_datagrams`, appending their events
    // to `events`. Errors only for unexpected socket failures.
    Result<ReadStatus> read(std::vector<ProcEvent>& events, std::size_t max_datagrams);

  private:
    ProcConnector(Fd socket, std::uint32_t port_id, bool opened_elsewhere);
    void unsubscribe();

    Fd socket_;
    std::uint32_t port_id_ = 0;
    bool opened_elsewhere_ = false;
    Counters counters_;
    std::vector<std::uint8_t> buffers_;
};

}  // namespace sluice
