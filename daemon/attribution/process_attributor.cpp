#include "daemon/attribution/process_attributor.hpp"

#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <array>

#include "daemon/attribution/socket_holder_search.hpp"

namespace sluice {

namespace {

using Clock = std::chrono::steady_clock;

// Events applied before each lookup: enough for any ordinary burst between two packets, small
// enough to bound the lookup when a fork storm is going on (the /proc search covers the rest).
constexpr std::size_t kDatagramsBeforeLookup = 256;
constexpr std::size_t kMaxParentDepth = 16;
// A holder that is exiting has closed its files but is still near the top of its uid's
// activity order (it exec'd or forked recently): this many are checked for PF_EXITING.
constexpr std::size_t kExitingCandidates = 8;
// When nothing says since when the holder may have exited, one whose exit was announced this
// recently is a candidate: the usual time between a packet being queued and its lookup.
constexpr std::chrono::milliseconds kDepartedWindow{20};
constexpr std::chrono::milliseconds kWatermarkInterval{1};

}  // namespace

Result<std::unique_ptr<ProcessAttributor>> ProcessAttributor::create(Options options) {
    auto sockets = SocketLookup::open();
    if (!sockets) {
        return sockets.error();
    }
    auto identities =
        std::make_unique<ExeIdentityCache>(DpkgDatabase(options.dpkg_info_dir), options.identity);
    ExeIdentityCache* remember_in = identities.get();
    ProcessTable::Options table_options;
    table_options.proc_root = options.proc_root;
    table_options.capacity = options.process_capacity;
    table_options.exit_grace = options.exit_grace;
    // The exe is opened while the process is certainly alive; the cache keeps it open until
    // it is hashed, so a process gone by its first connection still has its identity.
    table_options.on_exec = [remember_in](const ProcessEntry& entry, Fd exe) {
        if (entry.exe_file) {
            remember_in->remember(*entry.exe_file, std::move(exe), entry.info.exe);
        }
    };
    auto table = ProcessTable::open(std::move(table_options));
    if (!table) {
        return table.error();
    }
    std::unique_ptr<ProcessAttributor> attributor(
        new ProcessAttributor(std::move(options), std::move(*sockets), std::move(*table)));
    attributor->identities_ = std::move(identities);
    if (attributor->options_.queue_number) {
        attributor->watermarks_.emplace(*attributor->options_.queue_number,
                                        attributor->options_.nfqueue_proc_file);
    }
    if (attributor->options_.use_exec_watch) {
        auto watch = ExecWatch::open();
        if (watch) {
            attributor->exec_watch_.emplace(std::move(*watch));
        } else {
            attributor->exec_watch_problem_ = watch.error();
        }
    } else {
        attributor->exec_watch_problem_ = Error{"exec events are disabled"};
    }
    if (attributor->options_.use_proc_connector) {
        // Subscribe before the walk, so nothing that happens during it is missed.
        auto connector = ProcConnector::open(attributor->options_.proc_root);
        if (connector) {
            attributor->connector_.emplace(std::move(*connector));
        } else {
            attributor->connector_problem_ = connector.error();
        }
    } else {
        attributor->connector_problem_ = Error{"process events are disabled"};
    }
    const auto now = Clock::now();
    attributor->table_.resync(now);
    attributor->last_resync_ = now;
    // Events queued during the walk describe changes the walk may or may not have seen;
    // applying them again is harmless (fork/exec re-read, exit marks).
    attributor->drain_events(kDatagramsBeforeLookup);
    return attributor;
}

ProcessAttributor::ProcessAttributor(Options options, SocketLookup sockets, ProcessTable table)
    : options_(std::move(options)),
      sockets_(std::move(sockets)),
      table_(std::move(table)),
      inodes_(options_.inode_capacity) {}

void ProcessAttributor::resync_if_due(Clock::time_point now) {
    if (resync_due_ && now - last_resync_ >= options_.min_resync_interval) {
        resync_due_ = false;
        last_resync_ = now;
        table_.resync(now);
    }
}

std::vector<int> ProcessAttributor::event_fds() const {
    std::vector<int> fds;
    if (connector_) {
        fds.push_back(connector_->fd());
    }
    if (exec_watch_) {
        fds.push_back(exec_watch_->fd());
    }
    return fds;
}

void ProcessAttributor::drain_events(std::size_t max_datagrams) {
    // One poll says which of the two has anything: reading both when both are empty (the
    // common case before a lookup) would cost two syscalls. An error (ENOBUFS on the
    // connector) shows as POLLERR and is read too.
    bool exec_pending = exec_watch_.has_value();
    bool connector_pending = connector_.has_value();
    if (exec_pending && connector_pending) {
        std::array<pollfd, 2> ready{pollfd{exec_watch_->fd(), POLLIN, 0},
                                    pollfd{connector_->fd(), POLLIN, 0}};
        if (::poll(ready.data(), ready.size(), 0) >= 0) {
            exec_pending = ready[0].revents != 0;
            connector_pending = ready[1].revents != 0;
        }
    }
    // Exec opens first: the kernel queued them before the exec events that will use them.
    if (exec_pending) {
        exec_opens_.clear();
        static_cast<void>(exec_watch_->read(exec_opens_, max_datagrams));
        for (ExecOpen& open : exec_opens_) {
            table_.note_exec_open(std::move(open));
        }
        exec_opens_.clear();
    }
    if (connector_pending) {
        events_.clear();
        auto status = connector_->read(events_, max_datagrams);
        const auto now = Clock::now();
        for (const ProcEvent& event : events_) {
            table_.apply(event, now);
        }
        // A process just forked or exec'd may be about to connect: note how far the queue's
        // packet ids had got before it could.
        if (!events_.empty() && watermarks_) {
            watermarks_->observe(now);
        }
        if (status.ok() && *status == ProcConnector::ReadStatus::kOverrun) {
            resync_due_ = true;
        }
    }
    const auto now = Clock::now();
    resync_if_due(now);
    table_.expire(now);
}

std::optional<std::uint32_t> ProcessAttributor::holder_of(std::uint64_t inode, std::uint32_t uid,
                                                          Notes& notes) {
    if (const auto cached = inodes_.find(inode)) {
        const ProcessEntry* entry = table_.find(cached->pid, cached->start_time);
        if (entry != nullptr && entry->alive() &&
            holds_socket(table_.proc_root(), *cached, inode)) {
            ++counters_.inode_cache_hits;
            notes.outcome = "inode cache";
            return cached->pid;
        }
        inodes_.forget(inode);
    }
    ++counters_.searches;
    const SocketSearch search =
        search_socket_holder(inode, uid, table_, inodes_, Clock::now() + options_.search_budget);
    if (search.out_of_time) {
        ++counters_.searches_out_of_time;
    }
    if (!search.holder) {
        notes.outcome =
            search.out_of_time ? "fd search out of time" : "no process holds the socket";
        return std::nullopt;
    }
    notes.outcome = "fd search";
    table_.note_socket_fd(search.holder->pid, search.holder->fd);
    return search.holder->pid;
}

ProcessAttributor::Departed ProcessAttributor::departed_holder(std::uint32_t uid,
                                                               Clock::time_point since,
                                                               bool guessed_since, Notes& notes) {
    // Its exit may have been announced since the last drain.
    drain_events(kDatagramsBeforeLookup);
    std::vector<const ProcessEntry*> candidates;
    std::size_t checked = 0;
    table_.visit_by_recency(uid, [&](const ProcessEntry& entry) {
        if (entry.info.uid != uid || checked++ == kExitingCandidates) {
            return false;
        }
        const auto stat = read_process_stat(table_.proc_root(), entry.info.pid);
        if (stat && stat->start_time == entry.info.start_time &&
            (stat->flags & kTaskFlagExiting) != 0) {
            candidates.push_back(&entry);
        }
        return true;
    });
    // Processes that exited after `since`, a moment the holder was certainly still alive.
    table_.visit_exited_since(uid, since,
                              [&](const ProcessEntry& entry) { candidates.push_back(&entry); });
    if (candidates.empty()) {
        return {};
    }
    const ProcessEntry* first = candidates.front();
    const bool agree = std::all_of(candidates.begin(), candidates.end(), [&](const auto* other) {
        return other->info.exe == first->info.exe && other->exe_file == first->exe_file &&
               other->info.gid == first->info.gid && other->info.cgroup == first->info.cgroup;
    });
    if (!agree || first->info.exe.empty()) {
        ++counters_.departed_ambiguous;
        notes.outcome = "several processes of the uid exited, running different programs";
        return {};
    }
    ++counters_.departed;
    if (candidates.size() > 1) {
        // Several runs of one program (a loop starting it over and over): which of them sent
        // the packet is unknown, what it was is not.
        notes.outcome = "several processes of the uid exited, all running the same program";
        return {first, false};
    }
    if (first->alive()) {
        notes.outcome = "the one exiting process of the uid";
    } else {
        notes.outcome = guessed_since ? "the one process of the uid that exited just now"
                                      : "the one process of the uid that exited since";
    }
    return {first, true};
}

void ProcessAttributor::describe(const ProcessEntry& entry, Connection& connection, Notes& notes) {
    const ProcessInfo& info = entry.info;
    connection.pid = info.pid;
    connection.exe = info.exe;
    connection.cmdline = info.cmdline;
    connection.gid = info.gid;
    connection.cgroup = info.cgroup.path;
    connection.unit = info.cgroup.unit.empty() ? info.cgroup.path : info.cgroup.unit;
    connection.container = info.cgroup.container;
    connection.parent_pids = table_.ancestors(info.pid, kMaxParentDepth);
    if (info.exe.empty()) {
        return;
    }
    const int proc_root = table_.proc_root();
    const std::uint32_t pid = info.pid;
    const auto open_exe = [proc_root, pid]() {
        const Fd directory = open_process_directory(proc_root, pid);
        return directory ? Fd(::openat(directory.get(), "exe", O_RDONLY | O_CLOEXEC)) : Fd();
    };
    std::optional<FileKey> key = entry.exe_file;
    Fd opened;
    if (!key) {
        // Known from a /proc walk rather than an exec event: look at the file now.
        opened = open_exe();
        key = opened ? file_key_of(opened.get()) : std::nullopt;
        if (!key) {
            return;
        }
        table_.remember_exe_file(pid, info.start_time, *key);
    }
    const auto reopen = [&]() { return opened ? std::move(opened) : open_exe(); };
    const auto answer = exe_identity_required_
                            ? std::optional(identities_->identify(*key, info.exe, reopen))
                            : identities_->identify_if_ready(*key, info.exe, reopen);
    if (!answer) {
        return;
    }
    connection.sha256 = answer->identity.sha256;
    connection.package = answer->identity.package;
    if (answer->first && !answer->identity.mismatched_package.empty()) {
        notes.package_mismatch = "exe " + info.exe + " does not match package " +
                                 answer->identity.mismatched_package + " (md5sums)";
    }
}

ProcessAttributor::Notes ProcessAttributor::attribute(Connection& connection,
                                                      std::optional<std::uint32_t> packet_uid,
                                                      std::optional<std::uint32_t> packet_gid,
                                                      std::optional<std::uint32_t> packet_id) {
    ++counters_.lookups;
    Notes notes;
    std::optional<std::uint32_t> uid = packet_uid;
    // The socket first: a process that connects and exits at once takes its socket with it,
    // so nothing may come before this lookup.
    std::optional<SocketOwner> socket;
    bool socket_gone = false;
    const auto socket_checked_at = Clock::now();
    if (connection.protocol == Protocol::kTcp || connection.protocol == Protocol::kUdp) {
        auto owner =
            sockets_.find(connection.protocol, connection.local_address, connection.local_port,
                          connection.remote_address, connection.remote_port);
        if (!owner) {
            ++counters_.socket_lookup_errors;
            notes.socket_lookup_error = owner.error();
            notes.outcome = "socket lookup failed";
        } else if (!*owner) {
            ++counters_.sockets_not_found;
            notes.outcome = "socket already closed";
            socket_gone = true;
        } else {
            socket = **owner;
            uid = socket->uid;
        }
    }
    // Then events: an exec or fork that happened before the packet was queued is in the table
    // before we search it.
    drain_events(kDatagramsBeforeLookup);

    std::optional<std::uint32_t> pid;
    if (socket && socket->inode != 0) {
        pid = holder_of(socket->inode, socket->uid, notes);
    }
    const ProcessEntry* entry = nullptr;
    bool exact_pid = true;
    if (pid) {
        table_.touch(*pid);
        entry = table_.find(*pid);
        if (entry == nullptr || !entry->alive()) {
            entry = table_.refresh(*pid, Clock::now());
        }
    } else if (uid && (socket_gone || (socket && socket->inode != 0))) {
        // Nobody holds the socket, or it is gone: its owner may be exiting or just exited.
        // A moment the holder was still alive, so that only processes that exited after it
        // count. do_exit() releases the files before it announces the exit (exit_files,
        // exit_task_work, then proc_exit_connector) and stamps the exit with CLOCK_MONOTONIC,
        // our steady clock: while the socket existed its holder had not been announced. With
        // the socket gone, the packet was queued (so its sender was alive) after the last
        // moment its id had not yet been handed out. Failing both, a short window is a guess.
        std::optional<Clock::time_point> since;
        if (socket) {
            since = socket_checked_at;
        } else if (packet_id && watermarks_) {
            since = watermarks_->queued_after(*packet_id);
        }
        const Departed departed =
            departed_holder(*uid, since.value_or(Clock::now() - kDepartedWindow), !since, notes);
        entry = departed.entry;
        exact_pid = departed.exact_pid;
    }
    if (uid) {
        connection.uid = uid;
    }
    if (packet_gid && !connection.gid) {
        connection.gid = packet_gid;
    }
    if (entry != nullptr) {
        ++counters_.processes_found;
        describe(*entry, connection, notes);
        if (!exact_pid) {
            connection.pid.reset();
            connection.cmdline.clear();
            connection.parent_pids.clear();
        }
    } else {
        ++counters_.uid_only;
    }
    if (connection.uid) {
        connection.user_name = user_names_.user_name(*connection.uid).value_or("");
    }
    if (connection.gid) {
        connection.group_name = user_names_.group_name(*connection.gid).value_or("");
    }
    return notes;
}

void ProcessAttributor::observe_queue_if_due() {
    // One observation a millisecond is plenty: it only narrows when a packet whose socket is
    // gone was queued, and at thousands of connections a second the pread would be one
    // syscall in every lookup.
    if (const auto now = Clock::now(); watermarks_ && now - last_watermark_ >= kWatermarkInterval) {
        watermarks_->observe(now);
        last_watermark_ = now;
    }
}

}  // namespace sluice
