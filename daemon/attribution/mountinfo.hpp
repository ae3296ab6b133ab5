#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct MountEntry {
    std::string device;       // "major:minor" of the filesystem
    std::string mount_point;  // unescaped (\040 -> space)
    std::string fs_type;

    friend bool operator==(const MountEntry&, const MountEntry&) = default;
};

// Parses /proc/PID/mountinfo (proc(5)); malformed lines are skipped.
std::vector<MountEntry> parse_mountinfo(std::string_view text);

// Whether programs can be executed from a filesystem of this type: false for the kernel's
// pseudo filesystems (proc, sysfs, cgroup, ...), true otherwise.
bool may_hold_programs(std::string_view fs_type);

}  // namespace sluice
