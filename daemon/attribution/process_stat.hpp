#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice {

// The fields of /proc/PID/stat (proc(5)) the process table needs.
struct ProcessStat {
    std::uint32_t pid = 0;
    char state = '?';  // R, S, D, Z (zombie), X (dead), ...
    std::uint32_t ppid = 0;
    std::uint32_t flags = 0;  // field 9, the kernel's task flags (PF_*)
    // Field 22, clock ticks after boot. With pid it names one process for good: a pid reused
    // by a later process gets a later start time.
    std::uint64_t start_time = 0;
};

// PF_EXITING (include/linux/sched.h): set as do_exit() begins, before the process closes its
// files, and kept until it is reaped.
inline constexpr std::uint32_t kTaskFlagExiting = 0x00000004;

// Parses the text of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from its last ')'. nullopt on malformed text.
std::optional<ProcessStat> parse_process_stat(std::string_view text);

}  // namespace sluice
