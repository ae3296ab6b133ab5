#include "dbus/rule_draft.hpp"

#include <algorithm>
#include <cstdio>

#include "rules/duration.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

namespace {

constexpr const char* kDraftFileName = "dbus-rule";
constexpr int kFirstFieldLine = 2;  // line 1 is "rules:"

std::string field_label(RuleField field) {
    return "field '" + std::string(to_string(field)) + "'";
}

// Decodes one UTF-8 sequence starting at `text[at]`; 0 when it is not well-formed (overlong,
// surrogate, beyond U+10FFFF or cut short), else its length with `code_point` set.
std::size_t decode_utf8(std::string_view text, std::size_t at, char32_t& code_point) {
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    }
    if ((lead & 0xe0) == 0xc0) {
        length = 2;
        code_point = lead & 0x1f;
        minimum = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
        code_point = lead & 0x0f;
        minimum = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
        code_point = lead & 0x07;
        minimum = 0x10000;
    } else {
        return 0;
    }
    if (text.size() - at < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto next = static_cast<unsigned char>(text[at + i]);
        if ((next & 0xc0) != 0x80) {
            return 0;
        }
        code_point = (code_point << 6) | (next & 0x3f);
    }
    if (code_point < minimum || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
        return 0;
    }
    return length;
}

// A YAML double-quoted scalar. Everything outside printable ASCII is escaped, so no value can
// end the scalar, start a comment, or carry a line break that YAML would fold.
bool append_quoted(std::string& out, std::string_view text) {
    out += '"';
    for (std::size_t at = 0; at < text.size();) {
        const char c = text[at];
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
            ++at;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out += c;
            ++at;
            continue;
        }
        char32_t code_point = 0;
        const std::size_t length = decode_utf8(text, at, code_point);
        if (length == 0) {
            return false;
        }
        char escape[16];
        if (code_point <= 0xff) {
            std::snprintf(escape, sizeof escape, "\\x%02X", static_cast<unsigned>(code_point));
        } else if (code_point <= 0xffff) {
            std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(code_point));
        } else {
            std::snprintf(escape, sizeof escape, "\\U%08X", static_cast<unsigned>(code_point));
        }
        out += escape;
        at += length;
    }
    out += '"';
    return true;
}

std::size_t value_bytes(const DraftValue& value) {
    struct Size {
        std::size_t operator()(const std::string& text) const { return text.size(); }
        std::size_t operator()(std::int64_t) const { return sizeof(std::int64_t); }
        std::size_t operator()(bool) const { return 1; }
        std::size_t operator()(const std::vector<std::string>& items) const {
            std::size_t total = 0;
            for (const auto& item : items) {
                total += item.size() + 1;
            }
            return total;
        }
        std::size_t operator()(const std::vector<std::int64_t>& items) const {
            return items.size() * sizeof(std::int64_t);
        }
    };
    return std::visit(Size{}, value);
}

std::size_t list_items(const DraftValue& value) {
    if (const auto* strings = std::get_if<std::vector<std::string>>(&value)) {
        return strings->size();
    }
    if (const auto* numbers = std::get_if<std::vector<std::int64_t>>(&value)) {
        return numbers->size();
    }
    return 1;
}

// Appends the YAML form of `value`; false on invalid UTF-8.
bool append_value(std::string& out, const DraftValue& value) {
    if (const auto* text = std::get_if<std::string>(&value)) {
        return append_quoted(out, *text);
    }
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
        out += std::to_string(*number);
        return true;
    }
    if (const auto* flag = std::get_if<bool>(&value)) {
        out += *flag ? "true" : "false";
        return true;
    }
    out += '[';
    bool first = true;
    if (const auto* strings = std::get_if<std::vector<std::string>>(&value)) {
        for (const auto& item : *strings) {
            out += first ? "" : ", ";
            first = false;
            if (!append_quoted(out, item)) {
                return false;
            }
        }
    } else {
        for (const auto item : std::get<std::vector<std::int64_t>>(value)) {
            out += first ? "" : ", ";
            first = false;
            out += std::to_string(item);
        }
    }
    out += ']';
    return true;
}

template <typename T, typename Format>
std::vector<std::string> texts(const std::vector<T>& items, Format format) {
    std::vector<std::string> out;
    out.reserve(items.size());
    for (const auto& item : items) {
        out.push_back(format(item));
    }
    return out;
}

Result<Rule> build(const RuleDraft& draft, const ListFileReader* read_list);

}  // namespace

void RuleDraft::set(RuleField field, DraftValue value) {
    for (auto& entry : entries_) {
        if (entry.field == field) {
            entry.value = std::move(value);
            return;
        }
    }
    entries_.push_back(Entry{field, std::move(value)});
}

void RuleDraft::erase(RuleField field) {
    std::erase_if(entries_, [field](const Entry& entry) { return entry.field == field; });
}

const DraftValue* RuleDraft::find(RuleField field) const {
    for (const auto& entry : entries_) {
        if (entry.field == field) {
            return &entry.value;
        }
    }
    return nullptr;
}

Result<std::string> render_rule_yaml(const RuleDraft& draft) {
    std::size_t total = 0;
    for (const auto& entry : draft.entries()) {
        total += value_bytes(entry.value);
        if (list_items(entry.value) > kMaxDraftListItems) {
            return Error{field_label(entry.field) + ": more than " +
                         std::to_string(kMaxDraftListItems) + " items"};
        }
    }
    if (total > kMaxDraftBytes) {
        return Error{"rule is too large: " + std::to_string(total) + " bytes of values, at most " +
                     std::to_string(kMaxDraftBytes)};
    }
    std::string yaml = "rules:\n";
    if (draft.entries().empty()) {
        yaml += "  - {}\n";
        return yaml;
    }
    bool first = true;
    for (const auto& entry : draft.entries()) {
        yaml += first ? "  - " : "    ";
        first = false;
        yaml += to_string(entry.field);
        yaml += ": ";
        if (!append_value(yaml, entry.value)) {
            return Error{field_label(entry.field) + ": not valid UTF-8"};
        }
        yaml += '\n';
    }
    return yaml;
}

Result<Rule> build_rule(const RuleDraft& draft, const ListFileReader& read_list) {
    return build(draft, &read_list);
}

Result<Rule> build_rule(const RuleDraft& draft) {
    return build(draft, nullptr);
}

namespace {

// `read_list` null: the parser's own bounded reader of the file system.
Result<Rule> build(const RuleDraft& draft, const ListFileReader* read_list) {
    if (draft.find(RuleField::kAction) == nullptr) {
        // The parser reports this at the rule, not at a field line; say it the same way here.
        return Error{field_label(RuleField::kAction) +
                     ": rule has no 'action'; give allow, deny, reject or prompt"};
    }
    auto yaml = render_rule_yaml(draft);
    if (!yaml) {
        return yaml.error();
    }
    Diagnostics diagnostics;
    auto rules = read_list != nullptr ? parse_rules(*yaml, kDraftFileName, diagnostics, *read_list)
                                      : parse_rules(*yaml, kDraftFileName, diagnostics);
    if (!diagnostics.empty() || rules.size() != 1) {
        std::string message;
        for (const auto& diagnostic : diagnostics) {
            message += message.empty() ? "" : "; ";
            const auto index = static_cast<std::size_t>(diagnostic.line - kFirstFieldLine);
            if (diagnostic.line >= kFirstFieldLine && index < draft.entries().size() &&
                diagnostic.file == kDraftFileName) {
                message += field_label(draft.entries()[index].field) + ": ";
            }
            message += diagnostic.message;
        }
        return Error{message.empty() ? "rule is not valid" : message};
    }
    Rule rule = std::move(rules.front());
    if (rule.id_generated) {
        rule.id.clear();
        rule.id_generated = false;
    }
    rule.source = RuleSource{};
    return rule;
}

}  // namespace

RuleDraft draft_from_rule(const Rule& rule) {
    RuleDraft draft;
    if (!rule.id.empty()) {
        draft.set(RuleField::kId, rule.id);
    }
    draft.set(RuleField::kAction, std::string(to_string(rule.action)));
    draft.set(RuleField::kDirection, std::string(to_string(rule.direction)));
    if (rule.process) {
        draft.set(RuleField::kProcess, rule.process->pattern());
    }
    if (!rule.package.empty()) {
        draft.set(RuleField::kPackage, rule.package);
    }
    if (!rule.sha256.empty()) {
        draft.set(RuleField::kSha256, rule.sha256);
    }
    const auto account = [](const NameOrId& item) { return item.to_string(); };
    if (!rule.users.empty()) {
        draft.set(RuleField::kUser, texts(rule.users, account));
    }
    if (!rule.groups.empty()) {
        draft.set(RuleField::kGroup, texts(rule.groups, account));
    }
    if (rule.unit) {
        draft.set(RuleField::kUnit, rule.unit->pattern());
    }
    if (!rule.hosts.empty()) {
        draft.set(RuleField::kHost,
                  texts(rule.hosts, [](const HostPattern& host) { return host.to_string(); }));
    }
    if (!rule.host_list_path.empty()) {
        draft.set(RuleField::kHostList, rule.host_list_path);
    }
    if (!rule.ips.empty()) {
        draft.set(RuleField::kIp,
                  texts(rule.ips, [](const IpPrefix& prefix) { return prefix.to_string(); }));
    }
    if (!rule.ip_list_path.empty()) {
        draft.set(RuleField::kIpList, rule.ip_list_path);
    }
    const auto port = [](const PortRange& range) { return range.to_string(); };
    if (!rule.ports.empty()) {
        draft.set(RuleField::kPort, texts(rule.ports, port));
    }
    if (!rule.local_ports.empty()) {
        draft.set(RuleField::kLocalPort, texts(rule.local_ports, port));
    }
    if (!rule.protocols.empty()) {
        draft.set(RuleField::kProtocol, texts(rule.protocols, [](Protocol protocol) {
                      return std::string(to_string(protocol));
                  }));
    }
    if (!rule.interface.empty()) {
        draft.set(RuleField::kInterface, rule.interface);
    }
    if (rule.expires) {
        draft.set(RuleField::kExpires, format_timestamp(*rule.expires));
    }
    if (rule.duration) {
        draft.set(RuleField::kDuration, format_duration(*rule.duration));
    }
    if (rule.created) {
        draft.set(RuleField::kCreated, format_timestamp(*rule.created));
    }
    if (rule.scope != Scope::kForever) {
        draft.set(RuleField::kScope, std::string(to_string(rule.scope)));
    }
    if (rule.pid) {
        draft.set(RuleField::kPid, static_cast<std::int64_t>(*rule.pid));
    }
    if (rule.priority != 0) {
        draft.set(RuleField::kPriority, static_cast<std::int64_t>(rule.priority));
    }
    if (rule.log) {
        draft.set(RuleField::kLog, true);
    }
    if (!rule.comment.empty()) {
        draft.set(RuleField::kComment, rule.comment);
    }
    return draft;
}

}  // namespace sluice
