#include "dbus/fw_daemon_rule.hpp"

#include <charconv>

#include "dbus/quoted.hpp"
#include "rules/ip_address.hpp"

namespace sluice {

namespace {

std::optional<Protocol> protocol_named(std::string_view name) {
    for (const Protocol protocol :
         {Protocol::kTcp, Protocol::kUdp, Protocol::kIcmp, Protocol::kIcmpV6}) {
        if (to_string(protocol) == name) {
            return protocol;
        }
    }
    return std::nullopt;
}

std::string last_component(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string target_of(const Rule& rule) {
    std::string host = "*";
    if (!rule.hosts.empty()) {
        host = rule.hosts.front().to_string();
    } else if (!rule.ips.empty()) {
        const IpPrefix& prefix = rule.ips.front();
        // A single address shows as fw-daemon writes it, without "/32".
        host = prefix.length == 128 ? prefix.address.to_string() : prefix.to_string();
        if (host.find(':') != std::string::npos) {
            host = "[" + host + "]";
        }
    }
    std::string port = "*";
    if (!rule.ports.empty() && rule.ports.front().first == rule.ports.front().last) {
        port = std::to_string(rule.ports.front().first);
    }
    return host + ":" + port;
}

std::string privileges_of(const Rule& rule) {
    std::string text;
    if (!rule.users.empty()) {
        text = rule.users.front().to_string();
    }
    if (!rule.groups.empty()) {
        text += ":" + rule.groups.front().to_string();
    }
    return text;
}

std::uint16_t mode_of(const Rule& rule, bool admin) {
    if (admin) {
        return kFwModeSystem;
    }
    switch (rule.scope) {
        case Scope::kProcess:
            return kFwModeProcess;
        case Scope::kSession:
        case Scope::kUntilRestart:
        case Scope::kOnce:
            return kFwModeSession;
        case Scope::kForever:
            break;
    }
    return kFwModePermanent;
}

}  // namespace

Result<FwTarget> parse_fw_target(std::string_view text) {
    FwTarget target;
    if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        if (const auto protocol = protocol_named(text.substr(0, colon))) {
            target.protocol = protocol;
            text = text.substr(colon + 1);
        }
    }
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return Error{"target must be host:port, not " + quoted(text)};
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return Error{"target must be host:port, not " + quoted(text)};
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty()) {
        return Error{"target has no host: " + quoted(text)};
    }
    target.host = std::string(host);
    if (port != "*") {
        unsigned value = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || error != std::errc{} || end != port.data() + port.size() ||
            value > 65535) {
            return Error{"target port must be 0 to 65535 or *, not " + quoted(port)};
        }
        target.port = static_cast<std::uint16_t>(value);
    }
    return target;
}

std::optional<FwDaemonRule> fw_daemon_rule(std::uint32_t number, const Rule& rule, bool admin) {
    std::uint16_t verb = kFwVerbDeny;
    switch (rule.action) {
        case Action::kAllow:
            verb = kFwVerbAllow;
            break;
        case Action::kDeny:
        case Action::kReject:
            verb = kFwVerbDeny;
            break;
        case Action::kPrompt:
            return std::nullopt;
    }
    const std::string path = rule.process ? rule.process->pattern() : std::string();
    const std::string net = rule.ips.empty() ? std::string() : rule.ips.front().to_string();
    const std::string proto =
        rule.protocols.empty() ? std::string() : std::string(to_string(rule.protocols.front()));
    return FwDaemonRule(number, net, std::string(), proto, rule.pid.value_or(0),
                        privileges_of(rule), last_component(path), path, verb, target_of(rule),
                        mode_of(rule, admin), std::string());
}

Result<RuleDraft> apply_fw_daemon_update(const Rule& current, const FwDaemonRule& update) {
    RuleDraft draft = draft_from_rule(current);
    const auto& proto = std::get<3>(update);
    const auto pid = std::get<4>(update);
    const auto& path = std::get<7>(update);
    const auto verb = std::get<8>(update);
    const auto& target_text = std::get<9>(update);
    const auto mode = std::get<10>(update);

    switch (verb) {
        case kFwVerbAllow:
        case kFwVerbAllowTlsOnly:
            draft.set(RuleField::kAction, std::string("allow"));
            break;
        case kFwVerbDeny:
            // A sluice reject rule stays a reject: fw-daemon only knows DENY for both.
            if (current.action != Action::kReject) {
                draft.set(RuleField::kAction, std::string("deny"));
            }
            break;
        default:
            return Error{"verb must be 0 (DENY) or 1 (ALLOW), not " + std::to_string(verb)};
    }
    auto target = parse_fw_target(target_text);
    if (!target) {
        return target.error();
    }
    draft.erase(RuleField::kHost);
    draft.erase(RuleField::kIp);
    if (target->host != "*") {
        if (IpAddress::parse(target->host) || IpPrefix::parse(target->host)) {
            draft.set(RuleField::kIp, std::vector<std::string>{target->host});
        } else {
            draft.set(RuleField::kHost, std::vector<std::string>{target->host});
        }
    }
    draft.erase(RuleField::kPort);
    if (target->port) {
        draft.set(RuleField::kPort, std::vector<std::string>{std::to_string(*target->port)});
    }
    if (target->protocol) {
        draft.set(RuleField::kProtocol,
                  std::vector<std::string>{std::string(to_string(*target->protocol))});
    } else if (!proto.empty()) {
        draft.set(RuleField::kProtocol, std::vector<std::string>{proto});
    }
    if (!path.empty()) {
        draft.set(RuleField::kProcess, path);
    }
    draft.erase(RuleField::kPid);
    switch (mode) {
        case kFwModeSession:
            draft.set(RuleField::kScope, std::string("session"));
            break;
        case kFwModeProcess:
            draft.set(RuleField::kScope, std::string("process"));
            draft.set(RuleField::kPid, static_cast<std::int64_t>(pid));
            break;
        case kFwModePermanent:
            draft.erase(RuleField::kScope);
            break;
        default:
            return Error{"mode must be 0 (SESSION), 1 (PROCESS) or 2 (PERMANENT), not " +
                         std::to_string(mode)};
    }
    return draft;
}

}  // namespace sluice
