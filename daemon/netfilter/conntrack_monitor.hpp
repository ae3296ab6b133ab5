#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "daemon/netfilter/conntrack_flow_table.hpp"
#include "daemon/netfilter/mark_layout.hpp"

namespace sluice {

// Turns on conntrack byte/packet accounting in this network namespace
// (/proc/sys/net/netfilter/nf_conntrack_acct); entries created from then on carry counters.
Result<void> enable_conntrack_accounting();

// Keeps a FlowTable in step with the kernel's conntrack table: subscribes to NEW and DESTROY
// events (ctnetlink multicast groups), reads them without blocking from the event loop, and
// dumps the whole table to resync at start and whenever events were lost. The event socket
// has a big receive buffer and NETLINK_NO_ENOBUFS, so an event flood never leaves it in an
// error state; the kernel counts what it could not queue in the socket's drop counter
// (SO_MEMINFO), which is how a loss is noticed. Resyncs are at most one per
// min_resync_interval, so a flood that keeps overrunning the buffer costs a dump per interval.
// Also writes decisions into ct marks when re-evaluation flips them.
//
// Owned by the queue thread. Dumps and mark writes block for one netlink exchange with the
// kernel, bounded by kReplyTimeout.
class ConntrackMonitor {
  public:
    static constexpr std::chrono::seconds kReplyTimeout{1};

    struct Options {
        int receive_buffer_bytes = 16 << 20;
        std::chrono::steady_clock::duration min_resync_interval = std::chrono::seconds(1);
        FlowTable::Limits limits;
    };
    struct Counters {
        std::uint64_t events = 0;
        std::uint64_t malformed = 0;      // messages that were not conntrack entries
        std::uint64_t losses = 0;         // times events were found lost
        std::uint64_t resyncs = 0;        // dumps read
        std::uint64_t marks_written = 0;  // ct marks rewritten by re-evaluation
    };
    // A flow re-evaluation changed, and what writing its new ct mark gave.
    struct AppliedChange {
        FlowTable::Change change;
        std::optional<Error> error;  // also nullopt when the entry was already gone
    };
    using SteadyTime = FlowTable::SteadyTime;
    using WallTime = FlowTable::WallTime;

    // Opens both netlink sockets and reads an initial dump.
    static Result<ConntrackMonitor> open(MarkLayout marks, const Options& options, SteadyTime now);

    [[nodiscard]] int fd() const { return events_.get(); }
    // Reads every queued event; resyncs when some were lost and the interval allows. Errors:
    // receive failures other than "nothing queued", and failed dumps.
    Result<std::size_t> receive(SteadyTime now);
    // When a resync is due but waits for min_resync_interval to pass: the moment receive()
    // should be called again even if no event comes (the flow table is stale until then).
    [[nodiscard]] std::optional<SteadyTime> resync_deferred_until() const;
    // Replaces the table's view with a dump (also refreshes the byte/packet counters).
    Result<void> resync(SteadyTime now);
    // FlowTable::reevaluate, then writes each flipped decision into the entry's ct mark (our
    // bits only), so the kernel applies it to the flow's next packet. Rewriting the mark rather
    // than deleting the entry is deliberate: after a delete, a packet of the other direction
    // arriving first would create a fresh entry in reverse that is never queued.
    std::vector<AppliedChange> reevaluate(const RuleIndex& rules, Action default_action,
                                          WallTime wall_now);

    [[nodiscard]] FlowTable& table() { return table_; }
    [[nodiscard]] const FlowTable& table() const { return table_; }
    [[nodiscard]] std::vector<LiveFlow> flows() const { return table_.flows(); }
    [[nodiscard]] const Counters& counters() const { return counters_; }

  private:
    ConntrackMonitor(Fd events, Fd control, MarkLayout marks, const Options& options);
    Result<void> write_mark(const ConntrackTuple& original, MarkDecision decision);
    Result<void> send_request(const std::vector<std::uint8_t>& request);
    std::optional<std::uint32_t> socket_drops() const;

    Fd events_;
    Fd control_;
    MarkLayout marks_;
    Options options_;
    FlowTable table_;
    std::vector<std::uint32_t> buffer_;  // 4-byte aligned for netlink headers
    std::uint32_t sequence_ = 0;
    std::uint32_t last_drops_ = 0;
    bool resync_due_ = false;
    std::optional<SteadyTime> last_resync_;
    Counters counters_;
};

}  // namespace sluice
