#include "dbus/prompt_answer.hpp"

#include <sdbus-c++/Error.h>

#include "dbus/fw_daemon_rule.hpp"
#include "dbus/quoted.hpp"
#include "rules/duration.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

namespace {

// The value of `key` as T, nullopt when absent; an error when present with another type.
template <typename T>
Result<std::optional<T>> optional_value(const VariantDict& dict, const std::string& key,
                                        std::string_view type_name) {
    const auto found = dict.find(key);
    if (found == dict.end()) {
        return std::optional<T>{};
    }
    if (!found->second.containsValueOfType<T>()) {
        return Error{"decision key '" + key + "' must be " + std::string(type_name) +
                     ", not D-Bus type '" + found->second.peekValueType() + "'"};
    }
    return std::optional<T>{found->second.get<T>()};
}

Result<PromptAnswer> read_answer(const VariantDict& decision) {
    PromptAnswer answer;
    auto action = optional_value<std::string>(decision, "action", "a string");
    if (!action) {
        return action.error();
    }
    if (!*action) {
        return Error{"decision has no 'action'"};
    }
    const auto parsed_action = parse_action(**action);
    if (!parsed_action || *parsed_action == Action::kPrompt) {
        return Error{"decision 'action' must be allow, deny or reject, not " + quoted(**action)};
    }
    answer.action = *parsed_action;

    auto scope = optional_value<std::string>(decision, "scope", "a string");
    if (!scope) {
        return scope.error();
    }
    if (*scope) {
        const auto parsed_scope = parse_scope(**scope);
        if (!parsed_scope) {
            return Error{
                "decision 'scope' must be once, process, session, until-restart or forever, not " +
                quoted(**scope)};
        }
        answer.scope = *parsed_scope;
    }

    auto duration = optional_value<std::string>(decision, "duration", "a string");
    if (!duration) {
        return duration.error();
    }
    if (*duration && !(*duration)->empty()) {
        answer.duration = parse_duration(**duration);
        if (!answer.duration) {
            return Error{"decision 'duration' must be a duration such as 20s, 5m, 1h or 7d, not " +
                         quoted(**duration)};
        }
    }

    auto host = optional_value<std::string>(decision, "match_host", "a string");
    if (!host) {
        return host.error();
    }
    if (*host) {
        if (**host == "exact") {
            answer.host = HostWidth::kExact;
        } else if (**host == "domain") {
            answer.host = HostWidth::kDomain;
        } else if (**host == "any") {
            answer.host = HostWidth::kAny;
        } else {
            return Error{"decision 'match_host' must be exact, domain or any, not " +
                         quoted(**host)};
        }
    }
    auto port = optional_value<bool>(decision, "match_port", "a boolean");
    if (!port) {
        return port.error();
    }
    answer.match_port = port->value_or(true);
    auto user = optional_value<bool>(decision, "match_user", "a boolean");
    if (!user) {
        return user.error();
    }
    answer.match_user = user->value_or(true);
    return answer;
}

// "example.com" for "www.example.com": the name without its first label when it has three or
// more, else the name itself.
std::string parent_domain(const std::string& host) {
    const auto first_dot = host.find('.');
    if (first_dot == std::string::npos || host.find('.', first_dot + 1) == std::string::npos) {
        return host;
    }
    return host.substr(first_dot + 1);
}

void set_destination(RuleDraft& draft, const PromptAnswer& answer, const Connection& connection) {
    if (answer.target_host) {
        const std::string& target = *answer.target_host;
        if (target == "*" || target.empty()) {
            return;
        }
        if (IpAddress::parse(target)) {
            draft.set(RuleField::kIp, std::vector<std::string>{target});
        } else {
            draft.set(RuleField::kHost, std::vector<std::string>{target});
        }
        return;
    }
    const std::string address = connection.remote_address.to_string();
    switch (answer.host) {
        case HostWidth::kAny:
            return;
        case HostWidth::kExact:
            if (!connection.host_names.empty()) {
                draft.set(RuleField::kHost,
                          std::vector<std::string>{connection.host_names.front()});
            } else {
                draft.set(RuleField::kIp, std::vector<std::string>{address});
            }
            return;
        case HostWidth::kDomain:
            if (!connection.host_names.empty()) {
                const auto domain = parent_domain(connection.host_names.front());
                draft.set(RuleField::kHost, std::vector<std::string>{domain, "*." + domain});
            } else {
                draft.set(RuleField::kIp, std::vector<std::string>{address});
            }
            return;
    }
}

}  // namespace

Result<PromptAnswer> answer_from_dict(const VariantDict& decision) {
    try {
        return read_answer(decision);
    } catch (const sdbus::Error& error) {
        return Error{"unreadable decision: " + error.getMessage()};
    }
}

Result<PromptAnswer> answer_from_fw_daemon(std::int32_t scope, std::string_view rule) {
    PromptAnswer answer;
    switch (scope) {
        case 0:
            answer.scope = Scope::kOnce;
            break;
        case 1:
            answer.scope = Scope::kSession;
            break;
        case 2:
            answer.scope = Scope::kProcess;
            break;
        case 3:
            answer.scope = Scope::kForever;
            break;
        default:
            return Error{
                "prompt scope must be 0 (once), 1 (session), 2 (process) or 3 (forever), "
                "not " +
                std::to_string(scope)};
    }
    const auto first_bar = rule.find('|');
    if (first_bar == std::string_view::npos) {
        return Error{"prompt rule must read VERB|host:port, not " + quoted(rule)};
    }
    const auto verb = rule.substr(0, first_bar);
    auto target = rule.substr(first_bar + 1);
    target = target.substr(0, target.find('|'));  // the sandbox part is not used
    if (verb == "ALLOW" || verb == "ALLOW_TLSONLY") {
        answer.action = Action::kAllow;
    } else if (verb == "DENY") {
        answer.action = Action::kDeny;
    } else {
        return Error{"prompt rule verb must be ALLOW or DENY, not " + quoted(verb)};
    }
    auto parsed = parse_fw_target(target);
    if (!parsed) {
        return Error{"prompt rule " + parsed.error().what};
    }
    answer.target_protocol = parsed->protocol;
    answer.target_host = parsed->host;
    answer.target_port = parsed->port;
    answer.match_port = parsed->port.has_value();
    return answer;
}

Result<std::optional<Rule>> rule_for_answer(const PromptAnswer& answer,
                                            const Connection& connection, TimePoint now) {
    if (answer.scope == Scope::kOnce) {
        return std::optional<Rule>{};
    }
    RuleDraft draft;
    draft.set(RuleField::kAction, std::string(to_string(answer.action)));
    draft.set(RuleField::kDirection, std::string(to_string(connection.direction)));
    if (!connection.exe.empty()) {
        draft.set(RuleField::kProcess, connection.exe);
    }
    if (answer.match_user && connection.uid) {
        draft.set(RuleField::kUser, std::vector<std::string>{std::to_string(*connection.uid)});
    }
    set_destination(draft, answer, connection);
    const Protocol protocol = answer.target_protocol.value_or(connection.protocol);
    const bool has_ports = protocol == Protocol::kTcp || protocol == Protocol::kUdp;
    if (answer.target_port) {
        draft.set(RuleField::kPort, std::vector<std::string>{std::to_string(*answer.target_port)});
    } else if (answer.match_port && has_ports && !answer.target_host) {
        draft.set(RuleField::kPort,
                  std::vector<std::string>{std::to_string(connection.remote_port)});
    }
    if (protocol != Protocol::kOther) {
        draft.set(RuleField::kProtocol, std::vector<std::string>{std::string(to_string(protocol))});
    }
    draft.set(RuleField::kScope, std::string(to_string(answer.scope)));
    if (answer.scope == Scope::kProcess) {
        if (!connection.pid) {
            return Error{"scope process needs the connection's process, which is unknown"};
        }
        draft.set(RuleField::kPid, static_cast<std::int64_t>(*connection.pid));
    }
    draft.set(RuleField::kCreated, format_timestamp(now));
    if (answer.duration) {
        draft.set(RuleField::kDuration, format_duration(*answer.duration));
    }
    draft.set(RuleField::kComment, std::string("answer to a prompt"));
    auto rule = build_rule(draft);
    if (!rule) {
        return rule.error();
    }
    return std::optional<Rule>{std::move(*rule)};
}

}  // namespace sluice
