#include "rules/rule_matcher.hpp"

#include <algorithm>

namespace sluice {

namespace {

bool direction_matches(RuleDirection wanted, Direction actual) {
    switch (wanted) {
        case RuleDirection::kOut:
            return actual == Direction::kOut;
        case RuleDirection::kIn:
            return actual == Direction::kIn;
        case RuleDirection::kAny:
            return true;
    }
    return false;
}

bool any_port_matches(const std::vector<PortRange>& ranges, std::uint16_t port) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [port](const PortRange& range) { return range.contains(port); });
}

bool any_account_matches(const std::vector<NameOrId>& accounts,
                         const std::optional<std::uint32_t>& id, std::string_view name) {
    return std::any_of(accounts.begin(), accounts.end(),
                       [&](const NameOrId& account) { return account.matches(id, name); });
}

// A rule written without an architecture matches the package on any architecture, as
// "dpkg -S" may answer "firefox-esr:amd64".
bool package_matches(std::string_view wanted, std::string_view actual) {
    if (actual == wanted) {
        return true;
    }
    return wanted.find(':') == std::string_view::npos && actual.size() > wanted.size() &&
           actual.starts_with(wanted) && actual[wanted.size()] == ':';
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
        return lower(x) == lower(y);
    });
}

std::optional<HostMatch> best_host_pattern(const std::vector<HostPattern>& patterns,
                                           const std::vector<std::string>& names) {
    std::optional<HostMatch> best;
    for (const auto& name : names) {
        for (const auto& pattern : patterns) {
            const auto found = pattern.match(name);
            if (found && (!best || *found > *best)) {
                best = found;
            }
        }
    }
    return best;
}

std::optional<HostMatch> best_list_entry(const DomainList& list,
                                         const std::vector<std::string>& names) {
    std::optional<HostMatch> best;
    for (const auto& name : names) {
        const auto found = list.match(name);
        if (found && (!best || *found > *best)) {
            best = found;
        }
    }
    return best;
}

// Longest of the rule's own prefixes containing `address`, as written (IPv4 0..32).
std::optional<int> longest_prefix(const std::vector<IpPrefix>& prefixes, const IpAddress& address) {
    std::optional<int> best;
    for (const auto& prefix : prefixes) {
        // ::/0 spans the IPv4-mapped space too, but a user writing it means IPv6.
        if (prefix.address.is_v4() == address.is_v4() && prefix.contains(address)) {
            best = std::max(best.value_or(-1), prefix.family_length());
        }
    }
    return best;
}

}  // namespace

std::optional<MatchRank> rank_match(const Rule& rule, const Connection& connection, TimePoint now) {
    if (rule.expired_at(now) || !direction_matches(rule.direction, connection.direction)) {
        return std::nullopt;
    }
    if (!rule.protocols.empty() && std::find(rule.protocols.begin(), rule.protocols.end(),
                                             connection.protocol) == rule.protocols.end()) {
        return std::nullopt;
    }
    if (!rule.ports.empty() && !any_port_matches(rule.ports, connection.remote_port)) {
        return std::nullopt;
    }
    if (!rule.local_ports.empty() && !any_port_matches(rule.local_ports, connection.local_port)) {
        return std::nullopt;
    }
    if (!rule.interface.empty() && rule.interface != connection.interface) {
        return std::nullopt;
    }
    if (rule.pid && rule.pid != connection.pid) {
        return std::nullopt;
    }
    if (rule.process && (connection.exe.empty() || !rule.process->matches(connection.exe))) {
        return std::nullopt;
    }
    if (!rule.package.empty() && !package_matches(rule.package, connection.package)) {
        return std::nullopt;
    }
    if (!rule.sha256.empty() && !equal_ignoring_case(rule.sha256, connection.sha256)) {
        return std::nullopt;
    }
    if (rule.unit && (connection.unit.empty() || !rule.unit->matches(connection.unit))) {
        return std::nullopt;
    }
    if (!rule.users.empty() &&
        !any_account_matches(rule.users, connection.uid, connection.user_name)) {
        return std::nullopt;
    }
    if (!rule.groups.empty() &&
        !any_account_matches(rule.groups, connection.gid, connection.group_name)) {
        return std::nullopt;
    }

    MatchRank rank;
    if (!rule.hosts.empty()) {
        const auto found = best_host_pattern(rule.hosts, connection.host_names);
        if (!found) {
            return std::nullopt;
        }
        rank.host = *found;
    }
    if (rule.host_list) {
        const auto found = best_list_entry(*rule.host_list, connection.host_names);
        if (!found) {
            return std::nullopt;
        }
        rank.host = std::max(rank.host, *found);
    }
    if (!rule.ips.empty()) {
        const auto found = longest_prefix(rule.ips, connection.remote_address);
        if (!found) {
            return std::nullopt;
        }
        rank.ip_prefix_length = static_cast<std::int16_t>(*found);
    }
    if (rule.ip_list) {
        const auto found = rule.ip_list->longest_match(connection.remote_address);
        if (!found) {
            return std::nullopt;
        }
        const int written = connection.remote_address.is_v4() ? *found - 96 : *found;
        rank.ip_prefix_length =
            std::max<std::int16_t>(rank.ip_prefix_length, static_cast<std::int16_t>(written));
    }

    rank.priority = rule.priority;
    rank.names_program = rule.names_program();
    rank.names_port = !rule.ports.empty() || !rule.local_ports.empty();
    if (!rule.users.empty()) {
        rank.account = MatchRank::kAccountUser;
    } else if (!rule.groups.empty()) {
        rank.account = MatchRank::kAccountGroup;
    }
    rank.action = action_rank(rule.action);
    return rank;
}

}  // namespace sluice
