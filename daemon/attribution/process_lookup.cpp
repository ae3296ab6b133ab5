#include "daemon/attribution/process_lookup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>
#include <string_view>

#include "daemon/attribution/directory_entries.hpp"

namespace sluice {

namespace {

constexpr std::size_t kMaxStatBytes = 4096;
constexpr std::size_t kMaxStatusBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxCgroupBytes = std::size_t{16} * 1024;
constexpr std::size_t kMaxExeBytes = 4096;  // PATH_MAX: d_path never returns more
constexpr std::string_view kDeletedSuffix = " (deleted)";

std::optional<std::uint32_t> parse_u32(std::string_view text) {
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
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

std::string read_exe(int process_directory) {
    std::string exe(kMaxExeBytes, '\0');
    const ssize_t length = ::readlinkat(process_directory, "exe", exe.data(), exe.size());
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

Fd open_process_directory(int proc_root, std::uint32_t pid) {
    if (pid == 0) {
        return Fd();
    }
    char name[16];
    const auto [end, error] = std::to_chars(name, name + sizeof(name) - 1, pid);
    *end = '\0';
    return Fd(::openat(proc_root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

std::optional<ProcessInfo> read_process(int process_directory, std::uint32_t pid) {
    // The exe link first: it vanishes as soon as an exiting process drops its memory map, well
    // before stat and status do.
    std::string exe = read_exe(process_directory);
    const auto stat_text = read_file(process_directory, "stat", kMaxStatBytes);
    const auto stat = stat_text ? parse_process_stat(*stat_text) : std::nullopt;
    const auto status = read_file(process_directory, "status", kMaxStatusBytes);
    if (!stat || !status) {
        return std::nullopt;
    }
    const auto uid = effective_id(*status, "Uid:");
    const auto gid = effective_id(*status, "Gid:");
    if (!uid || !gid) {
        return std::nullopt;
    }
    ProcessInfo info;
    info.pid = pid;
    info.ppid = stat->ppid;
    info.start_time = stat->start_time;
    info.uid = *uid;
    info.gid = *gid;
    info.exe = std::move(exe);
    if (const auto cmdline = read_file(process_directory, "cmdline", kMaxCmdlineBytes)) {
        info.cmdline = split_cmdline(*cmdline);
    }
    if (const auto cgroup = read_file(process_directory, "cgroup", kMaxCgroupBytes)) {
        info.cgroup = parse_cgroup_membership(*cgroup);
    }
    return info;
}

std::optional<ProcessInfo> read_process(std::uint32_t pid, const std::string& proc_root) {
    const Fd proc(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) {
        return std::nullopt;
    }
    const Fd directory = open_process_directory(proc.get(), pid);
    if (!directory) {
        return std::nullopt;
    }
    return read_process(directory.get(), pid);
}

std::optional<ProcessStat> read_process_stat(int proc_root, std::uint32_t pid) {
    const Fd directory = open_process_directory(proc_root, pid);
    if (!directory) {
        return std::nullopt;
    }
    const auto text = read_file(directory.get(), "stat", kMaxStatBytes);
    return text ? parse_process_stat(*text) : std::nullopt;
}

std::vector<std::uint32_t> list_process_ids(int proc_root) {
    std::vector<std::uint32_t> pids;
    DirectoryEntries directory(proc_root, ".");
    while (const auto entry = directory.next()) {
        if (auto pid = parse_u32(*entry)) {
            pids.push_back(*pid);
        }
    }
    return pids;
}

}  // namespace sluice
