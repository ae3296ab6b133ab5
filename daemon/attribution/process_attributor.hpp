#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/attribution/exe_identity_cache.hpp"
#include "daemon/attribution/exec_watch.hpp"
#include "daemon/attribution/proc_connector.hpp"
#include "daemon/attribution/process_table.hpp"
#include "daemon/attribution/queue_watermarks.hpp"
#include "daemon/attribution/socket_inode_cache.hpp"
#include "daemon/attribution/socket_lookup.hpp"
#include "daemon/attribution/user_names.hpp"
#include "daemon/base/result.hpp"
#include "rules/connection.hpp"

namespace sluice {

// "Who opened this connection": sock_diag exact lookup of the tuple -> socket inode and owner
// uid; inode -> pid through a lazily filled inode cache, or on a miss a deadline-bounded
// search of /proc/PID/fd, most recently active processes of that uid first; pid -> process
// from the event-fed ProcessTable (exe, argv, ids, cgroup, parents, recorded at exec so a
// process that is already gone is still named); exe -> sha256 and verified Debian package.
//
// Threads: everything but the exe hashing worker inside ExeIdentityCache runs on the thread
// that calls attribute() and drain_events(), the daemon's event loop. attribute() is bounded:
// one sock_diag round trip, a bounded event drain, and a /proc search cut at search_budget;
// the one unbounded step is hashing an exe never seen before (once per file version, usually
// done ahead by the worker at exec time).
class ProcessAttributor {
  public:
    struct Options {
        std::string proc_root = kDefaultProcRoot;
        std::string dpkg_info_dir = DpkgDatabase::kDefaultInfoDir;
        bool use_proc_connector = true;
        // fanotify exec events: the program of a process that exits before we read /proc.
        bool use_exec_watch = true;
        // The NFQUEUE the packets come from: its packet id counter tells when a packet whose
        // socket is already gone was queued at the latest (QueueWatermarks).
        std::optional<std::uint32_t> queue_number;
        std::string nfqueue_proc_file = QueueWatermarks::kDefaultProcFile;
        std::chrono::microseconds search_budget{2000};
        std::chrono::steady_clock::duration exit_grace = std::chrono::seconds(5);
        std::chrono::steady_clock::duration min_resync_interval = std::chrono::seconds(1);
        std::size_t process_capacity = std::size_t{1} << 16;
        std::size_t inode_capacity = SocketInodeCache::kDefaultCapacity;
        ExeIdentityCache::Options identity;
    };

    struct Counters {
        std::uint64_t lookups = 0;
        std::uint64_t socket_lookup_errors = 0;
        std::uint64_t sockets_not_found = 0;  // sock_diag knew no such socket (closed already)
        std::uint64_t inode_cache_hits = 0;
        std::uint64_t searches = 0;
        std::uint64_t searches_out_of_time = 0;
        std::uint64_t processes_found = 0;
        std::uint64_t departed = 0;  // named from the one exiting/just exited candidate
        std::uint64_t departed_ambiguous = 0;
        std::uint64_t uid_only = 0;  // no process found: only the socket or packet uid known
    };

    // What attribute() wants the caller to log; the library itself does not log.
    struct Notes {
        // How the process was found, or why not: for debug logs.
        std::string_view outcome = "not attributed";
        std::optional<Error> socket_lookup_error;
        // "exe /usr/bin/x does not match package curl (md5sums)", once per file and path.
        std::optional<std::string> package_mismatch;
    };

    // Opens sock_diag and the proc root, subscribes to process events (unless disabled) and
    // fills the process table from /proc. Errors: sock_diag or the proc root cannot be opened.
    // When process events are unavailable the attributor still works, from /proc searches
    // alone; connector_problem() says why.
    static Result<std::unique_ptr<ProcessAttributor>> create(Options options);

    // The fds the event loop should watch, calling drain_events() when one is readable: the
    // proc connector's and the exec watch's, those that could be opened.
    [[nodiscard]] std::vector<int> event_fds() const;
    [[nodiscard]] const std::optional<Error>& connector_problem() const {
        return connector_problem_;
    }
    [[nodiscard]] const std::optional<Error>& exec_watch_problem() const {
        return exec_watch_problem_;
    }
    [[nodiscard]] bool connector_in_initial_netns() const {
        return connector_ && connector_->opened_elsewhere();
    }

    // Applies waiting process events (at most `max_datagrams`), resyncing from /proc after an
    // event loss (at most once per min_resync_interval). Also expires exited processes.
    void drain_events(std::size_t max_datagrams);

    // Fills uid, gid, user/group names, pid, exe, cmdline, sha256, package, unit, cgroup,
    // container and parent pids of `connection`, whose protocol and addresses are set.
    // `packet_uid`/`packet_gid` (NFQUEUE's NFQA_UID/GID) answer when nothing else does;
    // `packet_id` is the packet's NFQUEUE id. Fields it cannot learn stay as they are.
    Notes attribute(Connection& connection, std::optional<std::uint32_t> packet_uid,
                    std::optional<std::uint32_t> packet_gid,
                    std::optional<std::uint32_t> packet_id = std::nullopt);
    // Samples the queue's packet-id watermark (at most once a millisecond), which dates packets
    // whose socket was gone. The daemon calls it after sending a batch's verdicts: a pread
    // that no verdict waits for.
    void observe_queue_if_due();

    // Whether a connection waits for its executable's sha256 and package (hashing a file seen
    // for the first time can take tens of milliseconds). Only rules naming them need that;
    // otherwise identities are worked out in the background and filled in once known.
    void require_exe_identity(bool required) { exe_identity_required_ = required; }

    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] const ProcessTable& processes() const { return table_; }
    [[nodiscard]] const SocketInodeCache& inode_cache() const { return inodes_; }
    [[nodiscard]] ExeIdentityCache::Counters identity_counters() const {
        return identities_->counters();
    }
    [[nodiscard]] const ProcConnector::Counters* connector_counters() const {
        return connector_ ? &connector_->counters() : nullptr;
    }
    [[nodiscard]] const ExecWatch::Counters* exec_watch_counters() const {
        return exec_watch_ ? &exec_watch_->counters() : nullptr;
    }

  private:
    ProcessAttributor(Options options, SocketLookup sockets, ProcessTable table);

    std::optional<std::uint32_t> holder_of(std::uint64_t inode, std::uint32_t uid, Notes& notes);
    // The process a socket nobody holds (any more) most likely belonged to; exact_pid false
    // when several candidates ran the same program and only that is known.
    struct Departed {
        const ProcessEntry* entry = nullptr;
        bool exact_pid = false;
    };
    Departed departed_holder(std::uint32_t uid, std::chrono::steady_clock::time_point since,
                             bool guessed_since, Notes& notes);
    void describe(const ProcessEntry& entry, Connection& connection, Notes& notes);
    void resync_if_due(std::chrono::steady_clock::time_point now);

    Options options_;
    SocketLookup sockets_;
    std::unique_ptr<ExeIdentityCache> identities_;
    ProcessTable table_;
    SocketInodeCache inodes_;
    UserNames user_names_;
    std::optional<ProcConnector> connector_;
    std::optional<Error> connector_problem_;
    std::optional<ExecWatch> exec_watch_;
    std::optional<Error> exec_watch_problem_;
    std::vector<ExecOpen> exec_opens_;
    std::optional<QueueWatermarks> watermarks_;
    bool resync_due_ = false;
    std::chrono::steady_clock::time_point last_resync_{};
    std::vector<ProcEvent> events_;
    bool exe_identity_required_ = true;
    std::chrono::steady_clock::time_point last_watermark_{};
    Counters counters_;
};

}  // namespace sluice
