#include "daemon/attribution/process_lookup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <string_view>

#include "daemon/base/fd.hpp"

namespace sluice {

namespace {

using Clock = std::chrono::steady_clock;

// Reading the clock per entry would cost about as much as the work; every this many is enough.
constexpr int kEntriesPerDeadlineCheck = 64;
constexpr std::size_t kMaxStatusBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxExeBytes = 4096;  // PATH_MAX: d_path never returns more
constexpr std::string_view kDeletedSuffix = " (deleted)";

struct DirCloser {
    void operator()(DIR* directory) const { ::closedir(directory); }
};
using Directory = std::unique_ptr<DIR, DirCloser>;

Directory open_directory(int parent, const char* path) {
    Fd fd(::openat(parent, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return nullptr;
    }
    Directory directory(::fdopendir(fd.get()));
    if (directory) {
        // fdopendir took ownership of the descriptor.
        static_cast<void>(fd.release());
    }
    return directory;
}

std::optional<std::uint32_t> parse_u32(std::string_view text) {
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::uint32_t> list_pids(DIR* proc) {
    std::vector<std::uint32_t> pids;
    while (const dirent* entry = ::readdir(proc)) {
        if (auto pid = parse_u32(entry->d_name)) {
            pids.push_back(*pid);
        }
    }
    return pids;
}

enum class Scan { kFound, kNotFound, kOutOfTime };

Scan process_holds(int proc_fd, std::uint32_t pid, std::string_view target,
                   Clock::time_point deadline) {
    const std::string fd_path = std::to_string(pid) + "/fd";
    const Directory fds = open_directory(proc_fd, fd_path.c_str());
    if (!fds) {
        return Scan::kNotFound;  // gone, a zombie, or not ours to read
    }
    // Longer than any "socket:[N]", so a longer link is cut short and never compares equal.
    char link[32];
    static_assert(sizeof(link) > sizeof("socket:[18446744073709551615]"));
    int until_check = kEntriesPerDeadlineCheck;
    while (const dirent* entry = ::readdir(fds.get())) {
        if (--until_check == 0) {
            if (Clock::now() >= deadline) {
                return Scan::kOutOfTime;
            }
            until_check = kEntriesPerDeadlineCheck;
        }
        const ssize_t length = ::readlinkat(::dirfd(fds.get()), entry->d_name, link, sizeof(link));
        if (length > 0 && std::string_view(link, static_cast<std::size_t>(length)) == target) {
            return Scan::kFound;
        }
    }
    return Scan::kNotFound;
}

std::optional<std::string> read_file(int directory, const char* name, std::size_t max_bytes) {
    const Fd fd(::openat(directory, name, O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    std::string content;
    char chunk[4096];
    while (content.size() < max_bytes) {
        const ssize_t length =
            ::read(fd.get(), chunk, std::min(sizeof(chunk), max_bytes - content.size()));
        if (length < 0 && errno == EINTR) {
            continue;
        }
        if (length < 0) {
            return std::nullopt;
        }
        if (length == 0) {
            break;
        }
        content.append(chunk, static_cast<std::size_t>(length));
    }
    return content;
}

// "Uid:\treal\teffective\tsaved\tfs" -> effective.
std::optional<std::uint32_t> effective_id(std::string_view status, std::string_view key) {
    std::size_t line_start = 0;
    while (line_start < status.size()) {
        std::size_t line_end = status.find('\n', line_start);
        if (line_end == std::string_view::npos) {
            line_end = status.size();
        }
        const std::string_view line = status.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        if (!line.starts_with(key)) {
            continue;
        }
        std::string_view fields = line.substr(key.size());
        for (int field = 0; field < 2; ++field) {
            const std::size_t begin = fields.find_first_not_of(" \t");
            if (begin == std::string_view::npos) {
                return std::nullopt;
            }
            fields.remove_prefix(begin);
            const std::size_t end = std::min(fields.find_first_of(" \t"), fields.size());
            if (field == 1) {
                return parse_u32(fields.substr(0, end));
            }
            fields.remove_prefix(end);
        }
    }
    return std::nullopt;
}

std::string read_exe(int pid_directory) {
    std::string exe(kMaxExeBytes, '\0');
    const ssize_t length = ::readlinkat(pid_directory, "exe", exe.data(), exe.size());
    if (length <= 0) {
        return {};
    }
    exe.resize(static_cast<std::size_t>(length));
    // d_path marks an unlinked (e.g. upgraded) binary this way.
    if (exe.ends_with(kDeletedSuffix)) {
        exe.resize(exe.size() - kDeletedSuffix.size());
    }
    return exe;
}

std::vector<std::string> split_cmdline(std::string_view raw) {
    std::vector<std::string> arguments;
    while (!raw.empty()) {
        const std::size_t end = std::min(raw.find('\0'), raw.size());
        arguments.emplace_back(raw.substr(0, end));
        raw.remove_prefix(std::min(end + 1, raw.size()));
    }
    return arguments;
}

}  // namespace

std::optional<std::uint32_t> find_pid_by_socket_inode(std::uint64_t inode,
                                                      std::optional<std::uint32_t> uid_hint,
                                                      std::chrono::microseconds budget,
                                                      const std::string& proc_root) {
    const Clock::time_point deadline = Clock::now() + budget;
    const Directory proc = open_directory(AT_FDCWD, proc_root.c_str());
    if (!proc) {
        return std::nullopt;
    }
    std::vector<std::uint32_t> pids = list_pids(proc.get());
    const int proc_fd = ::dirfd(proc.get());
    if (uid_hint) {
        // The socket's uid names its likely owner; scanning those first usually ends the walk
        // after a handful of processes instead of all of them.
        std::vector<std::uint32_t> others;
        std::size_t hinted = 0;
        int until_check = kEntriesPerDeadlineCheck;
        for (const std::uint32_t pid : pids) {
            if (--until_check == 0) {
                if (Clock::now() >= deadline) {
                    return std::nullopt;
                }
                until_check = kEntriesPerDeadlineCheck;
            }
            struct stat status {};
            if (::fstatat(proc_fd, std::to_string(pid).c_str(), &status, 0) == 0 &&
                status.st_uid == *uid_hint) {
                pids[hinted++] = pid;  // only overwrites entries already visited
            } else {
                others.push_back(pid);
            }
        }
        std::copy(others.begin(), others.end(), pids.begin() + static_cast<std::ptrdiff_t>(hinted));
    }
    const std::string target = "socket:[" + std::to_string(inode) + "]";
    for (const std::uint32_t pid : pids) {
        if (Clock::now() >= deadline) {
            return std::nullopt;
        }
        switch (process_holds(proc_fd, pid, target, deadline)) {
            case Scan::kFound:
                return pid;
            case Scan::kOutOfTime:
                return std::nullopt;
            case Scan::kNotFound:
                break;
        }
    }
    return std::nullopt;
}

std::optional<ProcessInfo> read_process(std::uint32_t pid, const std::string& proc_root) {
    const Fd proc(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc || pid == 0) {
        return std::nullopt;
    }
    const Fd pid_directory(
        ::openat(proc.get(), std::to_string(pid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!pid_directory) {
        return std::nullopt;
    }
    const auto status = read_file(pid_directory.get(), "status", kMaxStatusBytes);
    if (!status) {
        return std::nullopt;
    }
    const auto uid = effective_id(*status, "Uid:");
    const auto gid = effective_id(*status, "Gid:");
    if (!uid || !gid) {
        return std::nullopt;
    }
    ProcessInfo info;
    info.pid = pid;
    info.uid = *uid;
    info.gid = *gid;
    info.exe = read_exe(pid_directory.get());
    if (const auto cmdline = read_file(pid_directory.get(), "cmdline", kMaxCmdlineBytes)) {
        info.cmdline = split_cmdline(*cmdline);
    }
    return info;
}

}  // namespace sluice
