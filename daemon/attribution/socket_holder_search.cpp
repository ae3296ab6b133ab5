#include "daemon/attribution/socket_holder_search.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "daemon/attribution/directory_entries.hpp"
#include "daemon/base/fd.hpp"

namespace sluice {

namespace {

using Clock = std::chrono::steady_clock;

// Reading the clock per descriptor would cost about as much as the readlink; every this many
// is enough.
constexpr int kLinksPerDeadlineCheck = 32;

// "socket:[12345]" -> 12345; nullopt for any other link.
std::optional<std::uint64_t> socket_inode(std::string_view link) {
    constexpr std::string_view kPrefix = "socket:[";
    if (!link.starts_with(kPrefix) || !link.ends_with(']')) {
        return std::nullopt;
    }
    link.remove_prefix(kPrefix.size());
    link.remove_suffix(1);
    std::uint64_t inode = 0;
    const auto [end, error] = std::from_chars(link.data(), link.data() + link.size(), inode);
    if (link.empty() || error != std::errc() || end != link.data() + link.size()) {
        return std::nullopt;
    }
    return inode;
}

std::optional<int> parse_fd(std::string_view text) {
    int fd = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), fd);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return fd;
}

enum class Scan { kFound, kNotFound, kOutOfTime };

// Reads the links of PROC/PID/fd, recording sockets; stops at `inode`. Highest descriptor
// first: the socket of a connection being made is usually the newest the process opened, and
// 0, 1 and 2 (rarely sockets) come last. `order` is scratch space.
Scan scan_process(int proc_root, std::uint32_t pid, std::uint64_t start_time, std::uint64_t inode,
                  SocketInodeCache& cache, Clock::time_point deadline, std::vector<int>& order,
                  SocketHolder& found) {
    char path[32];
    auto [end, error] = std::to_chars(path, path + 16, pid);
    std::string_view("/fd").copy(end, 3);
    end[3] = '\0';
    DirectoryEntries fds(proc_root, path);
    if (!fds.is_open()) {
        return Scan::kNotFound;  // gone, a zombie, or not ours to read
    }
    order.clear();
    while (const auto entry = fds.next()) {
        if (const auto fd = parse_fd(*entry)) {
            order.push_back(*fd);
        }
    }
    std::sort(order.begin(), order.end(), std::greater<>());
    // Longer than any "socket:[N]", so a longer link is cut short and never parses.
    char link[40];
    static_assert(sizeof(link) > sizeof("socket:[18446744073709551615]"));
    int until_check = kLinksPerDeadlineCheck;
    char name[16];
    for (const int fd : order) {
        if (--until_check == 0) {
            if (Clock::now() >= deadline) {
                return Scan::kOutOfTime;
            }
            until_check = kLinksPerDeadlineCheck;
        }
        *std::to_chars(name, name + sizeof(name) - 1, fd).ptr = '\0';
        const ssize_t length = ::readlinkat(fds.fd(), name, link, sizeof(link));
        if (length <= 0) {
            continue;
        }
        const auto seen = socket_inode(std::string_view(link, static_cast<std::size_t>(length)));
        if (!seen) {
            continue;
        }
        const SocketHolder holder{pid, start_time, fd};
        cache.record(*seen, holder);
        if (*seen == inode) {
            found = holder;
            return Scan::kFound;
        }
    }
    return Scan::kNotFound;
}

}  // namespace

bool holds_socket(int proc_root, const SocketHolder& holder, std::uint64_t inode) {
    char path[48];
    auto [pid_end, pid_error] = std::to_chars(path, path + 16, holder.pid);
    std::string_view("/fd/").copy(pid_end, 4);
    auto [fd_end, fd_error] = std::to_chars(pid_end + 4, pid_end + 16, holder.fd);
    *fd_end = '\0';
    char link[40];
    const ssize_t length = ::readlinkat(proc_root, path, link, sizeof(link));
    if (length <= 0) {
        return false;
    }
    return socket_inode(std::string_view(link, static_cast<std::size_t>(length))) == inode;
}

SocketSearch search_socket_holder(std::uint64_t inode, std::optional<std::uint32_t> uid,
                                  ProcessTable& table, SocketInodeCache& cache,
                                  Clock::time_point deadline) {
    SocketSearch search;
    const int proc_root = table.proc_root();
    SocketHolder found;
    std::vector<std::uint32_t> scanned;
    std::vector<int> order;
    // Known processes; with a uid, `of_uid` says whether this pass takes that uid's processes
    // (visited first by the table) or the others.
    const auto search_table = [&](bool of_uid) {
        table.visit_by_recency(uid, [&](const ProcessEntry& entry) {
            if (uid && (entry.info.uid == *uid) != of_uid) {
                return !of_uid;  // the uid's own come first: the first other ends that pass
            }
            if (Clock::now() >= deadline) {
                search.out_of_time = true;
                return false;
            }
            ++search.processes_scanned;
            if (entry.last_socket_fd >= 0) {
                const SocketHolder hinted{entry.info.pid, entry.info.start_time,
                                          entry.last_socket_fd};
                if (holds_socket(proc_root, hinted, inode)) {
                    cache.record(inode, hinted);
                    search.holder = hinted;
                    return false;
                }
            }
            switch (scan_process(proc_root, entry.info.pid, entry.info.start_time, inode, cache,
                                 deadline, order, found)) {
                case Scan::kFound:
                    search.holder = found;
                    return false;
                case Scan::kOutOfTime:
                    search.out_of_time = true;
                    return false;
                case Scan::kNotFound:
                    scanned.push_back(entry.info.pid);
                    return true;
            }
            return true;
        });
    };
    // Processes the table has not heard of (events lost or unavailable), newest pids first:
    // the holder most likely started just now. With a uid, only that uid's: /proc/PID belongs
    // to the process's effective uid, one fstatat away.
    const auto search_unknown = [&]() {
        std::vector<std::uint32_t> pids = list_process_ids(proc_root);
        std::sort(pids.begin(), pids.end(), std::greater<>());
        char pid_path[16];
        for (const std::uint32_t pid : pids) {
            const ProcessEntry* known = table.find(pid);
            if (known != nullptr && known->alive()) {
                continue;
            }
            if (Clock::now() >= deadline) {
                search.out_of_time = true;
                return;
            }
            if (uid) {
                *std::to_chars(pid_path, pid_path + sizeof(pid_path) - 1, pid).ptr = '\0';
                struct stat owner {};
                if (::fstatat(proc_root, pid_path, &owner, 0) != 0 || owner.st_uid != *uid) {
                    continue;
                }
            }
            ++search.processes_scanned;
            const auto stat = read_process_stat(proc_root, pid);
            if (!stat) {
                continue;
            }
            const Scan scan = scan_process(proc_root, pid, stat->start_time, inode, cache, deadline,
                                           order, found);
            if (scan == Scan::kFound) {
                search.holder = found;
                return;
            }
            if (scan == Scan::kOutOfTime) {
                search.out_of_time = true;
                return;
            }
        }
    };
    const auto done = [&] { return search.holder || search.out_of_time; };
    search_table(true);
    if (!done()) {
        search_unknown();
    }
    // A socket whose uid is not its holder's (created before a setuid, or passed over a unix
    // socket): the other uids' known processes, last.
    if (!done() && uid) {
        search_table(false);
    }
    // Not while visiting: demoting reorders what is being walked.
    for (const std::uint32_t pid : scanned) {
        table.demote(pid);
    }
    return search;
}

}  // namespace sluice
