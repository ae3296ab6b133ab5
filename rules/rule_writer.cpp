#include "rules/rule_writer.hpp"

#include <algorithm>
#include <array>

#include "rules/duration.hpp"
#include "rules/rule_fields.hpp"

namespace sluice {

namespace {

// A YAML double-quoted scalar. Control characters are escaped; other bytes, UTF-8 or not, pass
// through unchanged, which is how yaml-cpp reads them back.
std::string quoted(std::string_view text) {
    constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                           '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0xf]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
    return out;
}

// `plain`: the items are words the writer made (numbers, port ranges, protocol names) that
// YAML cannot misread, written without quotes.
template <typename Items, typename Format>
std::string flow_list(const Items& items, Format format, bool plain = false) {
    std::string out = "[";
    for (const auto& item : items) {
        if (out.size() > 1) {
            out += ", ";
        }
        out += plain ? std::string(format(item)) : quoted(format(item));
    }
    return out + "]";
}

// Writes one rule's fields in the order of rule_fields(), each on its own line.
class RuleLines {
  public:
    explicit RuleLines(std::string& out) : out_(out) {}

    void add(RuleField field, std::string_view value) {
        out_ += first_ ? "  - " : "    ";
        first_ = false;
        out_ += to_string(field);
        out_ += ": ";
        out_ += value;
        out_ += '\n';
    }

  private:
    std::string& out_;
    bool first_ = true;
};

void write_rule(const Rule& rule, std::string& out) {
    RuleLines lines(out);
    auto text = [](const std::string& value) { return quoted(value); };
    lines.add(RuleField::kId, text(rule.id));
    lines.add(RuleField::kAction, to_string(rule.action));
    if (rule.direction != RuleDirection::kOut) {
        lines.add(RuleField::kDirection, to_string(rule.direction));
    }
    if (rule.process) {
        lines.add(RuleField::kProcess, text(rule.process->pattern()));
    }
    if (!rule.package.empty()) {
        lines.add(RuleField::kPackage, text(rule.package));
    }
    if (!rule.sha256.empty()) {
        lines.add(RuleField::kSha256, text(rule.sha256));
    }
    auto account = [](const NameOrId& value) { return value.to_string(); };
    if (!rule.users.empty()) {
        lines.add(RuleField::kUser, flow_list(rule.users, account));
    }
    if (!rule.groups.empty()) {
        lines.add(RuleField::kGroup, flow_list(rule.groups, account));
    }
    if (rule.unit) {
        lines.add(RuleField::kUnit, text(rule.unit->pattern()));
    }
    if (!rule.hosts.empty()) {
        lines.add(RuleField::kHost,
                  flow_list(rule.hosts, [](const HostPattern& host) { return host.to_string(); }));
    }
    if (!rule.host_list_path.empty()) {
        lines.add(RuleField::kHostList, text(rule.host_list_path));
    }
    if (!rule.ips.empty()) {
        lines.add(RuleField::kIp,
                  flow_list(rule.ips, [](const IpPrefix& prefix) { return prefix.to_string(); }));
    }
    if (!rule.ip_list_path.empty()) {
        lines.add(RuleField::kIpList, text(rule.ip_list_path));
    }
    auto port = [](const PortRange& range) { return range.to_string(); };
    if (!rule.ports.empty()) {
        lines.add(RuleField::kPort, flow_list(rule.ports, port, true));
    }
    if (!rule.local_ports.empty()) {
        lines.add(RuleField::kLocalPort, flow_list(rule.local_ports, port, true));
    }
    if (!rule.protocols.empty()) {
        lines.add(RuleField::kProtocol, flow_list(
                                            rule.protocols,
                                            [](Protocol protocol) {
                                                // A rule listing "any" holds no protocols, so
                                                // kOther never gets here from a parsed rule;
                                                // written as "any" it still means every protocol.
                                                return protocol == Protocol::kOther
                                                           ? std::string_view("any")
                                                           : to_string(protocol);
                                            },
                                            true));
    }
    if (!rule.interface.empty()) {
        lines.add(RuleField::kInterface, text(rule.interface));
    }
    if (rule.expires) {
        lines.add(RuleField::kExpires, text(format_timestamp(*rule.expires)));
    }
    if (rule.duration) {
        lines.add(RuleField::kDuration, text(format_duration(*rule.duration)));
    }
    if (rule.created) {
        lines.add(RuleField::kCreated, text(format_timestamp(*rule.created)));
    }
    if (rule.scope != Scope::kForever) {
        lines.add(RuleField::kScope, to_string(rule.scope));
    }
    if (rule.pid) {
        lines.add(RuleField::kPid, std::to_string(*rule.pid));
    }
    if (rule.priority != 0) {
        lines.add(RuleField::kPriority, std::to_string(rule.priority));
    }
    if (rule.log) {
        lines.add(RuleField::kLog, "true");
    }
    if (!rule.comment.empty()) {
        lines.add(RuleField::kComment, text(rule.comment));
    }
}

}  // namespace

std::string to_yaml(const std::vector<Rule>& rules) {
    std::vector<int> ignored;
    return to_yaml(rules, ignored);
}

std::string to_yaml(const std::vector<Rule>& rules, std::vector<int>& rule_lines) {
    rule_lines.clear();
    if (rules.empty()) {
        return "rules: []\n";
    }
    std::string out = "rules:\n";
    int line = 2;
    for (const auto& rule : rules) {
        rule_lines.push_back(line);
        const auto before = out.size();
        write_rule(rule, out);
        // Quoted values escape their newlines, so every field is exactly one line.
        line += static_cast<int>(
            std::count(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(), '\n'));
    }
    return out;
}

}  // namespace sluice
