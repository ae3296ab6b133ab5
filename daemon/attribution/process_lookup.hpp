#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

// First cut of socket -> process attribution by walking /proc. Blocking file system work:
// never call it on the queue thread. A later change replaces the scan with a process table fed
// by proc connector events.

struct ProcessInfo {
    std::uint32_t pid = 0;
    std::string exe;                   // readlink /proc/PID/exe without " (deleted)"; empty
                                       // for kernel threads or when we may not read it
    std::vector<std::string> cmdline;  // argv as the process left it, at most kMaxCmdlineBytes
    std::uint32_t uid = 0;             // effective ids, the ones sk_uid and file access use
    std::uint32_t gid = 0;
};

inline constexpr const char* kDefaultProcRoot = "/proc";
inline constexpr std::size_t kMaxCmdlineBytes = std::size_t{64} * 1024;

// Finds a process holding socket `inode` by scanning PROC/<pid>/fd (readlink "socket:[N]").
// Scans processes owned by `uid_hint` first (stat PROC/<pid>), then the rest, and gives up
// with nullopt once `budget` has elapsed. Processes whose fds we may not read are skipped.
// A socket shared by several processes (fork) yields whichever is met first.
std::optional<std::uint32_t> find_pid_by_socket_inode(
    std::uint64_t inode, std::optional<std::uint32_t> uid_hint, std::chrono::microseconds budget,
    const std::string& proc_root = kDefaultProcRoot);

// Reads one process; nullopt when it is gone or its status is unreadable. All files are read
// relative to one open PROC/PID directory, so a pid reused mid-read fails instead of mixing
// two processes.
std::optional<ProcessInfo> read_process(std::uint32_t pid,
                                        const std::string& proc_root = kDefaultProcRoot);

}  // namespace sluice
