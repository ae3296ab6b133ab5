#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/attribution/cgroup_membership.hpp"
#include "daemon/attribution/process_stat.hpp"
#include "daemon/base/fd.hpp"

namespace sluice {

// Reading one process from /proc (or a fake tree shaped like it, for tests). Blocking file
// system work of a few microseconds per process; callers bound how many they read.

struct ProcessInfo {
    std::uint32_t pid = 0;
    std::uint32_t ppid = 0;
    std::uint64_t start_time = 0;      // /proc/PID/stat field 22; with pid, names the process
    std::string exe;                   // readlink PID/exe without " (deleted)"; empty for
                                       // kernel threads or when we may not read it
    std::vector<std::string> cmdline;  // argv as the process left it, at most kMaxCmdlineBytes
    std::uint32_t uid = 0;             // effective ids, the ones sk_uid and file access use
    std::uint32_t gid = 0;
    CgroupMembership cgroup;
};

inline constexpr const char* kDefaultProcRoot = "/proc";
inline constexpr std::size_t kMaxCmdlineBytes = std::size_t{64} * 1024;

// Opens PROC/PID as a directory; an invalid Fd when the process is gone or pid is 0.
Fd open_process_directory(int proc_root, std::uint32_t pid);

// Reads the process whose open PROC/PID directory is `process_directory`. nullopt when it is
// gone or its stat/status are unreadable. Every file is read through that one directory, so a
// pid reused mid-read fails instead of mixing two processes.
std::optional<ProcessInfo> read_process(int process_directory, std::uint32_t pid);

// Convenience for one-off reads: opens `proc_root` and PID itself.
std::optional<ProcessInfo> read_process(std::uint32_t pid,
                                        const std::string& proc_root = kDefaultProcRoot);

// Just PID/stat (parent, state, start time), cheaper than a full read; nullopt when gone.
std::optional<ProcessStat> read_process_stat(int proc_root, std::uint32_t pid);

// The numeric entries of `proc_root`: every process (thread group) visible to us.
std::vector<std::uint32_t> list_process_ids(int proc_root);

}  // namespace sluice
