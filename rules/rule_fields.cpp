#include "rules/rule_fields.hpp"

#include <array>

namespace sluice {

namespace {

constexpr std::array kRuleFields = {
    RuleFieldInfo{RuleField::kId, "id", "text",
                  "stable identifier; FILE#N (N-th rule of the file) when absent"},
    RuleFieldInfo{RuleField::kAction, "action", "allow | deny | reject | prompt",
                  "what to do with a matching connection (required)"},
    RuleFieldInfo{RuleField::kDirection, "direction", "out | in | any",
                  "which connections: opened by this host (out, default) or towards it (in)"},
    RuleFieldInfo{RuleField::kProcess, "process", "absolute path glob",
                  "executable path; '*' within a path component, '**' across them"},
    RuleFieldInfo{RuleField::kPackage, "package", "Debian package name",
                  "the package owning the executable, verified against its md5sums"},
    RuleFieldInfo{RuleField::kSha256, "sha256", "64 hex digits",
                  "SHA-256 of the executable's content"},
    RuleFieldInfo{RuleField::kUser, "user", "name or uid, or a list", "the user owning the socket"},
    RuleFieldInfo{RuleField::kGroup, "group", "name or gid, or a list",
                  "the group owning the socket"},
    RuleFieldInfo{RuleField::kUnit, "unit", "glob", "systemd unit or cgroup v2 path"},
    RuleFieldInfo{RuleField::kHost, "host", "name or *.suffix, or a list",
                  "remote host name learned from DNS; *.suffix means subdomains only"},
    RuleFieldInfo{RuleField::kHostList, "host_list", "absolute path",
                  "file of domains, one per line or in hosts-file format"},
    RuleFieldInfo{RuleField::kIp, "ip", "address or CIDR prefix, or a list", "remote address"},
    RuleFieldInfo{RuleField::kIpList, "ip_list", "absolute path",
                  "file of addresses or CIDR prefixes, one per line"},
    RuleFieldInfo{RuleField::kPort, "port", "0..65535 or LOW-HIGH, or a list", "remote port"},
    RuleFieldInfo{RuleField::kLocalPort, "local_port", "0..65535 or LOW-HIGH, or a list",
                  "local port"},
    RuleFieldInfo{RuleField::kProtocol, "protocol", "tcp | udp | icmp | icmpv6 | any, or a list",
                  "transport protocol (default any)"},
    RuleFieldInfo{RuleField::kInterface, "interface", "interface name",
                  "egress device for out, ingress device for in"},
    RuleFieldInfo{RuleField::kExpires, "expires", "RFC 3339 time, e.g. 2026-12-24T18:00:00Z",
                  "the rule stops matching at this instant"},
    RuleFieldInfo{RuleField::kDuration, "duration", "500ms | 20s | 5m | 1h | 7d",
                  "the rule stops matching this long after 'created'"},
    RuleFieldInfo{RuleField::kCreated, "created", "RFC 3339 time",
                  "when the rule was made; 'duration' counts from here"},
    RuleFieldInfo{RuleField::kScope, "scope", "once | process | session | until-restart | forever",
                  "how long a rule made by a prompt lives (default forever)"},
    RuleFieldInfo{RuleField::kPid, "pid", "process id", "the process, with scope: process"},
    RuleFieldInfo{RuleField::kPriority, "priority", "integer",
                  "higher is considered first, before specificity (default 0)"},
    RuleFieldInfo{RuleField::kLog, "log", "true | false", "report every match as an event"},
    RuleFieldInfo{RuleField::kComment, "comment", "text", "free text for people"},
};

constexpr bool table_follows_enum() {
    for (std::size_t i = 0; i < kRuleFields.size(); ++i) {
        if (static_cast<std::size_t>(kRuleFields[i].field) != i) {
            return false;
        }
    }
    return kRuleFields.size() == kRuleFieldCount;
}
static_assert(table_follows_enum(), "kRuleFields must list every RuleField in enum order");

}  // namespace

std::span<const RuleFieldInfo> rule_fields() {
    return kRuleFields;
}

std::optional<RuleField> find_rule_field(std::string_view name) {
    for (const auto& info : kRuleFields) {
        if (info.name == name) {
            return info.field;
        }
    }
    return std::nullopt;
}

std::string_view to_string(RuleField field) {
    const auto index = static_cast<std::size_t>(field);
    return index < kRuleFields.size() ? kRuleFields[index].name : "?";
}

}  // namespace sluice
