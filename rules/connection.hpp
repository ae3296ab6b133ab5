#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/action.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

// Everything the rule engine may look at for one new connection. The daemon fills it from the
// queued packet (tuple, interface, socket uid) and attribution (process, user, host names);
// a field it could not learn stays empty, and a rule naming that field then does not match.
struct Connection {
    Direction direction = Direction::kOut;
    Protocol protocol = Protocol::kOther;
    IpAddress local_address;
    IpAddress remote_address;
    std::uint16_t local_port = 0;   // 0 for ICMP
    std::uint16_t remote_port = 0;  // 0 for ICMP
    std::string interface;          // out: egress device, in: ingress device

    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    std::string user_name;   // resolved from uid by the daemon; empty when unknown
    std::string group_name;  // resolved from gid by the daemon; empty when unknown
    std::optional<std::uint32_t> pid;
    std::string exe;      // absolute path from /proc/PID/exe; empty when unknown
    std::string package;  // Debian package owning exe, verified against its md5sums
    std::string sha256;   // hex digest of exe's content
    std::string unit;     // systemd unit or cgroup v2 path

    // More of "who", filled by process attribution; informational for logs and prompts.
    std::vector<std::string> cmdline;        // argv of the process
    std::vector<std::uint32_t> parent_pids;  // parent, grandparent, ... (nearest first)
    std::string cgroup;                      // cgroup v2 path
    std::string container;                   // "docker:0123456789ab", ...; empty on the host

    std::vector<std::string> host_names;  // learned from DNS answers, lower case, no trailing dot
};

}  // namespace sluice
