#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Where a process sits in the cgroup tree and what that says about it.
struct CgroupMembership {
    std::string path;       // cgroup v2 path ("0::" line), or systemd's v1 tree on hybrid hosts
    std::string unit;       // innermost systemd unit: "ssh.service", "app-firefox-12.scope"
    std::string container;  // "docker:0123456789ab", "podman:…", "lxc:NAME", "nspawn:NAME", …

    friend bool operator==(const CgroupMembership&, const CgroupMembership&) = default;
};

// Parses the text of /proc/PID/cgroup ("ID:CONTROLLERS:PATH" lines). Prefers the unified
// hierarchy's line; on a hybrid host where that is "/" the name=systemd line has the unit
// layout. Unknown layouts give a path with empty unit and container; never fails.
CgroupMembership parse_cgroup_membership(std::string_view text);

}  // namespace sluice
