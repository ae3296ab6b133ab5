#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/attribution/exec_watch.hpp"
#include "daemon/attribution/file_key.hpp"
#include "daemon/attribution/proc_connector_message.hpp"
#include "daemon/attribution/process_lookup.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

struct ProcessEntry {
    ProcessInfo info;
    // The exe file as it was when the process exec'd (read at the exec event, so a process that
    // is gone by the time it is asked about still has it); nullopt until known.
    std::optional<FileKey> exe_file;
    // Grows with every fork, exec and socket found held by this process: searches try the most
    // recently active processes first.
    std::uint64_t activity = 0;
    // The descriptor the last socket found held by this process had: programs that open one
    // connection after another tend to get the same number again, so a search tries it first.
    int last_socket_fd = -1;
    // Set by the exit event; the entry stays for the exit grace period so a process that
    // connected and exited at once can still be named.
    std::optional<std::chrono::steady_clock::time_point> exited_at;

    [[nodiscard]] bool alive() const { return !exited_at; }
};

// pid -> process, kept current by proc connector events (apply) after one /proc walk
// (resync), so asking about a process costs a hash lookup, not a /proc read. Reads /proc only
// for the process an event names, and for a whole walk at start and after event loss. Bounded
// to `capacity` entries: exited ones are evicted first, beyond that new processes are refused
// and counted. Not thread-safe: owned by the event loop thread.
class ProcessTable {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    // Told about every exec the table recorded, with the new exe opened at that moment (an
    // invalid Fd when it could not be opened), so its identity can be worked out while the
    // file is certain to be the one the process runs.
    using ExecObserver = std::function<void(const ProcessEntry& entry, Fd exe)>;

    struct Options {
        std::string proc_root = kDefaultProcRoot;
        std::size_t capacity = std::size_t{1} << 16;
        std::chrono::steady_clock::duration exit_grace = std::chrono::seconds(5);
        ExecObserver on_exec;
    };

    struct Counters {
        std::uint64_t forks = 0;
        std::uint64_t execs = 0;
        std::uint64_t exits = 0;
        std::uint64_t resyncs = 0;
        std::uint64_t unreadable = 0;  // an event named a process already gone or unreadable
        std::uint64_t refused_full = 0;
        std::uint64_t expired = 0;
    };

    // Opens `options.proc_root`; Error when it cannot be opened. The table starts empty: call
    // resync() to fill it.
    static Result<ProcessTable> open(Options options);

    // Rebuilds the table from a /proc walk. Entries of processes no longer there are marked
    // exited (they keep their grace period); survivors keep their activity order.
    void resync(TimePoint now);
    // One proc connector event. Thread events are ignored: only processes are tracked.
    void apply(const ProcEvent& event, TimePoint now);
    // A program file the kernel opened for an exec by `open.pid` (ExecWatch). Kept until that
    // process's exec event, which uses it when /proc can no longer tell what the process runs.
    // Bounded: the oldest pids' files are closed first.
    void note_exec_open(ExecOpen open);
    // Drops entries whose exit grace has passed. Cheap when nothing is due.
    void expire(TimePoint now);

    // The entry for pid, alive or within its exit grace; nullptr when unknown.
    [[nodiscard]] const ProcessEntry* find(std::uint32_t pid) const;
    // Same, but only if it is the process that started at `start_time` (pid reuse check).
    [[nodiscard]] const ProcessEntry* find(std::uint32_t pid, std::uint64_t start_time) const;
    // Reads pid from /proc now and records it: for a process met without an event (missed
    // events, a thread group leader exited before its threads). nullptr when unreadable.
    const ProcessEntry* refresh(std::uint32_t pid, TimePoint now);
    // The exe file of a process known from a /proc walk, once looked at: later connections of
    // that process need not open /proc/PID/exe again. Ignored for another process under the
    // same pid, or when the exec event already told.
    void remember_exe_file(std::uint32_t pid, std::uint64_t start_time, const FileKey& file);
    // A socket was found held by pid at descriptor `fd` (see ProcessEntry::last_socket_fd).
    void note_socket_fd(std::uint32_t pid, int fd);
    // A socket was just found held by pid: it goes to the front of the search order.
    void touch(std::uint32_t pid);
    // pid's descriptors were all read in a search and it did not hold the socket sought: it
    // goes behind every process not demoted since, so the next search starts elsewhere and a
    // crowd of idle processes is worked through once rather than at every miss.
    void demote(std::uint32_t pid);

    // Visits live processes most recently active first: those with effective uid `uid` first
    // (all of them when uid is nullopt), then the others. Stops when `visitor` returns false.
    void visit_by_recency(std::optional<std::uint32_t> uid,
                          const std::function<bool(const ProcessEntry&)>& visitor) const;
    // Visits entries of processes with effective uid `uid` whose exit was recorded at or after
    // `since`, most recent exit first.
    void visit_exited_since(std::uint32_t uid, TimePoint since,
                            const std::function<void(const ProcessEntry&)>& visitor) const;
    // Parent, grandparent, ... as far as the table knows them, at most `max_depth`.
    [[nodiscard]] std::vector<std::uint32_t> ancestors(std::uint32_t pid,
                                                       std::size_t max_depth) const;

    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] std::size_t live() const { return by_activity_.size(); }
    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] int proc_root() const { return proc_root_.get(); }

  private:
    ProcessTable(Options options, Fd proc_root);

    ProcessEntry* insert(ProcessEntry entry, TimePoint now);
    void mark_exited(ProcessEntry& entry, TimePoint now);
    void on_fork(const ProcEvent& event, TimePoint now);
    void on_exec(const ProcEvent& event, TimePoint now);
    std::vector<Fd> take_exec_opens(std::uint32_t pid);
    void index(const ProcessEntry& entry);
    void unindex(const ProcessEntry& entry);
    void set_activity(ProcessEntry& entry);
    bool make_room(TimePoint now);

    Options options_;
    Fd proc_root_;
    std::unordered_map<std::uint32_t, ProcessEntry> entries_;
    // activity -> pid of live processes, overall and per effective uid.
    std::map<std::uint64_t, std::uint32_t> by_activity_;
    std::unordered_map<std::uint32_t, std::map<std::uint64_t, std::uint32_t>> by_uid_activity_;
    struct Exited {
        TimePoint at;
        std::uint32_t pid;
    };
    std::deque<Exited> exited_;  // in exit order
    // pid -> files opened for its exec, in open order; pids in arrival order for eviction.
    std::unordered_map<std::uint32_t, std::vector<Fd>> exec_opens_;
    std::deque<std::uint32_t> exec_open_order_;
    // Activities count up from the middle of the range, demotions down from just below it.
    static constexpr std::uint64_t kFirstActivity = std::uint64_t{1} << 62;
    std::uint64_t next_activity_ = kFirstActivity;
    std::uint64_t next_demotion_ = kFirstActivity - 1;
    Counters counters_;
};

}  // namespace sluice
