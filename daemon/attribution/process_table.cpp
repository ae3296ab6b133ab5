#include "daemon/attribution/process_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace sluice {

namespace {

// Files kept per exec'ing process (program, interpreter, loader) and processes with files
// waiting for their exec event: bounds the descriptors ExecWatch can make us hold.
constexpr std::size_t kMaxExecOpensPerProcess = 4;
constexpr std::size_t kMaxProcessesWithExecOpens = 128;
constexpr std::string_view kDeletedSuffix = " (deleted)";

// "#!": the kernel then opens the interpreter next, and that is what /proc/PID/exe shows.
bool is_script(const Fd& file) {
    char magic[2] = {};
    return ::pread(file.get(), magic, sizeof(magic), 0) == 2 && magic[0] == '#' && magic[1] == '!';
}

std::string path_of(const Fd& file) {
    const std::string link = "/proc/self/fd/" + std::to_string(file.get());
    std::string path(4096, '\0');
    const ssize_t length = ::readlink(link.c_str(), path.data(), path.size());
    if (length <= 0) {
        return {};
    }
    path.resize(static_cast<std::size_t>(length));
    if (path.ends_with(kDeletedSuffix)) {
        path.resize(path.size() - kDeletedSuffix.size());
    }
    return path;
}

}  // namespace

Result<ProcessTable> ProcessTable::open(Options options) {
    Fd proc_root(::open(options.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc_root) {
        return Error::from_errno("opening " + options.proc_root);
    }
    return ProcessTable(std::move(options), std::move(proc_root));
}

ProcessTable::ProcessTable(Options options, Fd proc_root)
    : options_(std::move(options)), proc_root_(std::move(proc_root)) {}

const ProcessEntry* ProcessTable::find(std::uint32_t pid) const {
    const auto found = entries_.find(pid);
    return found == entries_.end() ? nullptr : &found->second;
}

const ProcessEntry* ProcessTable::find(std::uint32_t pid, std::uint64_t start_time) const {
    const ProcessEntry* entry = find(pid);
    if (entry == nullptr || entry->info.start_time != start_time) {
        return nullptr;
    }
    return entry;
}

void ProcessTable::remember_exe_file(std::uint32_t pid, std::uint64_t start_time,
                                     const FileKey& file) {
    const auto found = entries_.find(pid);
    if (found != entries_.end() && found->second.info.start_time == start_time &&
        !found->second.exe_file) {
        found->second.exe_file = file;
    }
}

void ProcessTable::index(const ProcessEntry& entry) {
    by_activity_.emplace(entry.activity, entry.info.pid);
    by_uid_activity_[entry.info.uid].emplace(entry.activity, entry.info.pid);
}

void ProcessTable::unindex(const ProcessEntry& entry) {
    by_activity_.erase(entry.activity);
    const auto uid = by_uid_activity_.find(entry.info.uid);
    if (uid != by_uid_activity_.end()) {
        uid->second.erase(entry.activity);
        if (uid->second.empty()) {
            by_uid_activity_.erase(uid);
        }
    }
}

void ProcessTable::set_activity(ProcessEntry& entry) {
    if (entry.alive()) {
        unindex(entry);
    }
    entry.activity = next_activity_++;
    if (entry.alive()) {
        index(entry);
    }
}

void ProcessTable::touch(std::uint32_t pid) {
    const auto found = entries_.find(pid);
    if (found != entries_.end() && found->second.alive()) {
        set_activity(found->second);
    }
}

void ProcessTable::note_socket_fd(std::uint32_t pid, int fd) {
    const auto found = entries_.find(pid);
    if (found != entries_.end()) {
        found->second.last_socket_fd = fd;
    }
}

void ProcessTable::demote(std::uint32_t pid) {
    const auto found = entries_.find(pid);
    if (found == entries_.end() || !found->second.alive()) {
        return;
    }
    unindex(found->second);
    found->second.activity = next_demotion_--;
    index(found->second);
}

bool ProcessTable::make_room(TimePoint now) {
    expire(now);
    // Out of room: exited processes go before their grace is over, oldest first.
    while (entries_.size() >= options_.capacity && !exited_.empty()) {
        const Exited oldest = exited_.front();
        exited_.pop_front();
        const auto found = entries_.find(oldest.pid);
        if (found != entries_.end() && found->second.exited_at == oldest.at) {
            entries_.erase(found);
            ++counters_.expired;
        }
    }
    return entries_.size() < options_.capacity;
}

ProcessEntry* ProcessTable::insert(ProcessEntry entry, TimePoint now) {
    const std::uint32_t pid = entry.info.pid;
    auto existing = entries_.find(pid);
    if (existing != entries_.end()) {
        // A pid reused, or a process re-read: the new facts replace the old ones.
        if (existing->second.alive()) {
            unindex(existing->second);
        }
        entries_.erase(existing);
    } else if (!make_room(now)) {
        ++counters_.refused_full;
        return nullptr;
    }
    entry.exited_at.reset();
    entry.activity = next_activity_++;
    auto [inserted, ignored] = entries_.emplace(pid, std::move(entry));
    index(inserted->second);
    return &inserted->second;
}

void ProcessTable::mark_exited(ProcessEntry& entry, TimePoint now) {
    if (!entry.alive()) {
        return;
    }
    unindex(entry);
    entry.exited_at = now;
    exited_.push_back({now, entry.info.pid});
}

void ProcessTable::expire(TimePoint now) {
    while (!exited_.empty() && exited_.front().at + options_.exit_grace <= now) {
        const Exited due = exited_.front();
        exited_.pop_front();
        const auto found = entries_.find(due.pid);
        // The pid may have been reused since; only the exited entry itself goes.
        if (found != entries_.end() && found->second.exited_at == due.at) {
            entries_.erase(found);
            ++counters_.expired;
        }
    }
}

const ProcessEntry* ProcessTable::refresh(std::uint32_t pid, TimePoint now) {
    const Fd directory = open_process_directory(proc_root_.get(), pid);
    auto info = directory ? read_process(directory.get(), pid) : std::nullopt;
    if (!info) {
        ++counters_.unreadable;
        return nullptr;
    }
    ProcessEntry entry;
    const ProcessEntry* known = find(pid, info->start_time);
    if (known != nullptr && known->info.exe == info->exe) {
        entry.exe_file = known->exe_file;
    }
    entry.info = std::move(*info);
    return insert(std::move(entry), now);
}

void ProcessTable::on_fork(const ProcEvent& event, TimePoint now) {
    ++counters_.forks;
    const ProcessEntry* parent = find(event.parent_pid);
    if (parent == nullptr || !parent->alive()) {
        refresh(event.pid, now);
        return;
    }
    // fork() copies the parent: same exe, argv, credentials and cgroup until it execs.
    ProcessEntry child;
    child.info = parent->info;
    child.exe_file = parent->exe_file;
    child.info.pid = event.pid;
    child.info.ppid = event.parent_pid;
    const auto stat = read_process_stat(proc_root_.get(), event.pid);
    child.info.start_time = stat ? stat->start_time : 0;
    insert(std::move(child), now);
}

void ProcessTable::note_exec_open(ExecOpen open) {
    auto& files = exec_opens_[open.pid];
    if (files.empty()) {
        exec_open_order_.push_back(open.pid);
    }
    if (files.size() < kMaxExecOpensPerProcess) {
        files.push_back(std::move(open.file));
    }
    // Execs whose event never came (failed execve, events lost) must not pile up.
    while (exec_opens_.size() > kMaxProcessesWithExecOpens && !exec_open_order_.empty()) {
        exec_opens_.erase(exec_open_order_.front());
        exec_open_order_.pop_front();
    }
}

std::vector<Fd> ProcessTable::take_exec_opens(std::uint32_t pid) {
    const auto found = exec_opens_.find(pid);
    if (found == exec_opens_.end()) {
        return {};
    }
    std::vector<Fd> files = std::move(found->second);
    exec_opens_.erase(found);
    std::erase(exec_open_order_, pid);
    return files;
}

void ProcessTable::on_exec(const ProcEvent& event, TimePoint now) {
    ++counters_.execs;
    std::vector<Fd> opened_by_kernel = take_exec_opens(event.pid);
    const Fd directory = open_process_directory(proc_root_.get(), event.pid);
    // The exe before anything else: a short-lived process may be about to drop it.
    Fd exe = directory ? Fd(::openat(directory.get(), "exe", O_RDONLY | O_CLOEXEC)) : Fd();
    auto info = directory ? read_process(directory.get(), event.pid) : std::nullopt;
    ProcessEntry entry;
    if (info && !info->exe.empty() && exe) {
        entry.info = std::move(*info);
    } else {
        // Too late for /proc (the process dropped its memory map, or is gone): what the kernel
        // opened for the exec says what it runs. The program, unless it is a script: then the
        // interpreter opened after it.
        ++counters_.unreadable;
        std::optional<std::size_t> program;
        for (std::size_t i = 0; i < opened_by_kernel.size() && !program; ++i) {
            if (!is_script(opened_by_kernel[i])) {
                program = i;
            }
        }
        const auto found = entries_.find(event.pid);
        if (info) {
            entry.info = std::move(*info);
        } else if (found != entries_.end()) {
            // Ids, cgroup and parent as fork copied them; argv is unknown.
            entry.info = found->second.info;
            entry.info.cmdline.clear();
        } else {
            entry.info.pid = event.pid;
        }
        entry.info.exe.clear();
        exe = Fd();
        if (program) {
            exe = std::move(opened_by_kernel[*program]);
            entry.info.exe = path_of(exe);
        } else if (!info && found == entries_.end()) {
            return;
        }
    }
    if (exe && !entry.info.exe.empty()) {
        entry.exe_file = file_key_of(exe.get());
    }
    const ProcessEntry* inserted = insert(std::move(entry), now);
    if (inserted != nullptr && options_.on_exec) {
        options_.on_exec(*inserted, std::move(exe));
    }
}

void ProcessTable::apply(const ProcEvent& event, TimePoint now) {
    if (event.is_thread()) {
        return;
    }
    switch (event.kind) {
        case ProcEvent::Kind::kFork:
            on_fork(event, now);
            break;
        case ProcEvent::Kind::kExec:
            on_exec(event, now);
            break;
        case ProcEvent::Kind::kExit: {
            ++counters_.exits;
            const auto found = entries_.find(event.pid);
            if (found != entries_.end()) {
                // The kernel stamps events with CLOCK_MONOTONIC, which steady_clock reads.
                const TimePoint at = event.timestamp_ns != 0
                                         ? TimePoint(std::chrono::nanoseconds(event.timestamp_ns))
                                         : now;
                mark_exited(found->second, std::min(at, now));
            }
            break;
        }
        case ProcEvent::Kind::kUid:
        case ProcEvent::Kind::kGid: {
            const auto found = entries_.find(event.pid);
            if (found == entries_.end() || !found->second.alive()) {
                break;
            }
            ProcessEntry& entry = found->second;
            unindex(entry);
            if (event.kind == ProcEvent::Kind::kUid) {
                entry.info.uid = event.effective_id;
            } else {
                entry.info.gid = event.effective_id;
            }
            index(entry);
            break;
        }
        case ProcEvent::Kind::kAck:
        case ProcEvent::Kind::kOther:
            break;
    }
    expire(now);
}

void ProcessTable::resync(TimePoint now) {
    ++counters_.resyncs;
    std::vector<ProcessEntry> fresh;
    std::unordered_set<std::uint32_t> present;
    for (const std::uint32_t pid : list_process_ids(proc_root_.get())) {
        const Fd directory = open_process_directory(proc_root_.get(), pid);
        auto info = directory ? read_process(directory.get(), pid) : std::nullopt;
        if (!info) {
            continue;
        }
        present.insert(pid);
        const auto known = entries_.find(pid);
        if (known != entries_.end() && known->second.alive() &&
            known->second.info.start_time == info->start_time) {
            // The same process: refresh what an event may have been lost for, keep its place.
            ProcessEntry& entry = known->second;
            if (entry.info.exe != info->exe) {
                entry.exe_file.reset();
            }
            unindex(entry);
            entry.info = std::move(*info);
            index(entry);
            continue;
        }
        ProcessEntry entry;
        entry.info = std::move(*info);
        fresh.push_back(std::move(entry));
    }
    for (auto& [pid, entry] : entries_) {
        if (entry.alive() && !present.contains(pid)) {
            mark_exited(entry, now);
        }
    }
    // Processes we did not know are ordered by start time: the youngest is searched first.
    std::sort(fresh.begin(), fresh.end(), [](const ProcessEntry& a, const ProcessEntry& b) {
        return a.info.start_time < b.info.start_time;
    });
    for (auto& entry : fresh) {
        insert(std::move(entry), now);
    }
    expire(now);
}

void ProcessTable::visit_by_recency(std::optional<std::uint32_t> uid,
                                    const std::function<bool(const ProcessEntry&)>& visitor) const {
    const auto visit = [&](const std::map<std::uint64_t, std::uint32_t>& order,
                           bool skip_uid) -> bool {
        for (auto it = order.rbegin(); it != order.rend(); ++it) {
            const ProcessEntry& entry = entries_.at(it->second);
            if (skip_uid && entry.info.uid == *uid) {
                continue;
            }
            if (!visitor(entry)) {
                return false;
            }
        }
        return true;
    };
    if (!uid) {
        visit(by_activity_, false);
        return;
    }
    const auto own = by_uid_activity_.find(*uid);
    if (own != by_uid_activity_.end() && !visit(own->second, false)) {
        return;
    }
    visit(by_activity_, true);
}

void ProcessTable::visit_exited_since(
    std::uint32_t uid, TimePoint since,
    const std::function<void(const ProcessEntry&)>& visitor) const {
    for (auto it = exited_.rbegin(); it != exited_.rend() && it->at >= since; ++it) {
        const auto found = entries_.find(it->pid);
        if (found != entries_.end() && found->second.exited_at == it->at &&
            found->second.info.uid == uid) {
            visitor(found->second);
        }
    }
}

std::vector<std::uint32_t> ProcessTable::ancestors(std::uint32_t pid, std::size_t max_depth) const {
    std::vector<std::uint32_t> chain;
    const ProcessEntry* entry = find(pid);
    while (entry != nullptr && chain.size() < max_depth) {
        const std::uint32_t parent = entry->info.ppid;
        // pid 0 is the kernel; a parent equal to its child would be a corrupt record.
        if (parent == 0 || parent == entry->info.pid) {
            break;
        }
        chain.push_back(parent);
        entry = find(parent);
    }
    return chain;
}

}  // namespace sluice
