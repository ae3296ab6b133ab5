#include "rules/rule.hpp"

#include <tuple>

namespace sluice {

std::string_view to_string(RuleDirection direction) {
    switch (direction) {
        case RuleDirection::kOut:
            return "out";
        case RuleDirection::kIn:
            return "in";
        case RuleDirection::kAny:
            return "any";
    }
    return "?";
}

std::optional<RuleDirection> parse_rule_direction(std::string_view text) {
    if (text == "out") {
        return RuleDirection::kOut;
    }
    if (text == "in") {
        return RuleDirection::kIn;
    }
    if (text == "any") {
        return RuleDirection::kAny;
    }
    return std::nullopt;
}

std::string_view to_string(Scope scope) {
    switch (scope) {
        case Scope::kOnce:
            return "once";
        case Scope::kProcess:
            return "process";
        case Scope::kSession:
            return "session";
        case Scope::kUntilRestart:
            return "until-restart";
        case Scope::kForever:
            return "forever";
    }
    return "?";
}

std::optional<Scope> parse_scope(std::string_view text) {
    for (const auto scope :
         {Scope::kOnce, Scope::kProcess, Scope::kSession, Scope::kUntilRestart, Scope::kForever}) {
        if (text == to_string(scope)) {
            return scope;
        }
    }
    return std::nullopt;
}

std::string RuleSource::to_string() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::optional<TimePoint> Rule::expiry() const {
    if (expires) {
        return expires;
    }
    if (!duration || !created) {
        return std::nullopt;
    }
    // Compared in milliseconds: a huge duration converted to nanoseconds would overflow.
    const auto room =
        std::chrono::duration_cast<std::chrono::milliseconds>(TimePoint::max() - *created);
    if (room <= *duration) {
        return TimePoint::max();
    }
    return *created + std::chrono::duration_cast<TimePoint::duration>(*duration);
}

bool Rule::expired_at(TimePoint now) const {
    const auto end = expiry();
    return end && *end <= now;
}

bool same_definition(const Rule& a, const Rule& b) {
    auto fields = [](const Rule& rule) {
        return std::tie(rule.id, rule.action, rule.direction, rule.process, rule.package,
                        rule.sha256, rule.users, rule.groups, rule.unit, rule.hosts,
                        rule.host_list_path, rule.ips, rule.ip_list_path, rule.ports,
                        rule.local_ports, rule.protocols, rule.interface, rule.expires,
                        rule.duration, rule.created, rule.scope, rule.pid, rule.priority, rule.log,
                        rule.comment);
    };
    return fields(a) == fields(b);
}

}  // namespace sluice
