#include "rules/rule_parser.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "rules/list_file_text.hpp"
#include "rules/rule_fields.hpp"
#include "rules/text_file.hpp"
#include "rules/yaml_reader.hpp"

namespace sluice {

namespace {

constexpr std::size_t kMaxIdLength = 128;
constexpr std::size_t kMaxPathLength = 4096;     // PATH_MAX
constexpr std::size_t kMaxInterfaceLength = 15;  // IFNAMSIZ - 1
constexpr std::size_t kMaxPackageLength = 256;
constexpr std::size_t kSha256HexDigits = 64;
constexpr std::size_t kMaxQuotedLength = 100;
constexpr std::int64_t kMaxPid = 4'194'304;  // PID_MAX_LIMIT on 64-bit Linux

// Quotes a value for a message, cut short so a huge bad value cannot flood the log.
std::string quote(std::string_view text) {
    if (text.size() > kMaxQuotedLength) {
        return "'" + std::string(text.substr(0, kMaxQuotedLength)) + "...'";
    }
    return "'" + std::string(text) + "'";
}

std::string key_name(RuleField field) {
    return quote(to_string(field));
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdLength) {
        return false;
    }
    for (const char c : id) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= ' ' || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Debian Policy 5.6.1: [a-z0-9][a-z0-9+.-]+, optionally ":ARCH" as dpkg -S prints it.
bool valid_package(std::string_view name) {
    if (name.size() > kMaxPackageLength) {
        return false;
    }
    const auto colon = name.find(':');
    const auto base = name.substr(0, colon);
    if (base.size() < 2 || !is_lower_alnum(base.front())) {
        return false;
    }
    for (const char c : base) {
        if (!is_lower_alnum(c) && c != '+' && c != '.' && c != '-') {
            return false;
        }
    }
    if (colon == std::string_view::npos) {
        return true;
    }
    const auto arch = name.substr(colon + 1);
    if (arch.empty()) {
        return false;
    }
    for (const char c : arch) {
        if (!is_lower_alnum(c) && c != '-') {
            return false;
        }
    }
    return true;
}

std::optional<std::string> normalize_sha256(std::string_view text) {
    if (text.size() != kSha256HexDigits) {
        return std::nullopt;
    }
    std::string digest(text);
    for (char& c : digest) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return std::nullopt;
        }
    }
    return digest;
}

// Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
bool valid_interface(std::string_view name) {
    if (name.empty() || name.size() > kMaxInterfaceLength || name == "." || name == "..") {
        return false;
    }
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= ' ' || byte == 0x7f || c == '/' || c == ':') {
            return false;
        }
    }
    return true;
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Parses one rules file; one instance per parse_rules call.
class RuleFileParser {
  public:
    RuleFileParser(const std::string& file_name, Diagnostics& diagnostics, ListCache& lists)
        : file_name_(file_name),
          diagnostics_(diagnostics),
          lists_(lists),
          reader_(file_name, diagnostics) {
        for (const auto& info : rule_fields()) {
            field_names_.push_back(info.name);
        }
    }

    std::vector<Rule> parse(std::string_view text);

  private:
    struct FieldState {
        std::optional<YAML::Mark> key;
        std::optional<YAML::Mark> value;
        bool valid = false;
    };
    using FieldStates = std::array<FieldState, kRuleFieldCount>;

    std::optional<Rule> parse_rule(const YAML::Node& node, std::size_t number);
    void parse_field(RuleField field, const YAML::Node& value, Rule& rule);
    void check_combinations(const YAML::Node& node, const FieldStates& fields, const Rule& rule);
    void assign_generated_ids(std::vector<Rule>& rules);

    // A single value that passes `valid`, else "'KEY' must be EXPECTED, not 'VALUE'".
    std::optional<std::string> checked_string(RuleField field, const YAML::Node& value,
                                              bool (*valid)(std::string_view),
                                              std::string_view expected);
    std::optional<std::string> path_value(RuleField field, const YAML::Node& value);
    void parse_ports(RuleField field, const YAML::Node& value, std::vector<PortRange>& ports);
    void parse_accounts(RuleField field, const YAML::Node& value, std::vector<NameOrId>& out);
    std::optional<TimePoint> timestamp_value(RuleField field, const YAML::Node& value);

    template <typename List>
    std::shared_ptr<const List> use_list(const ListCache::Entry<List>& entry, RuleField field,
                                         const std::string& path, const YAML::Node& at);

    std::string file_name_;
    Diagnostics& diagnostics_;
    ListCache& lists_;
    YamlReader reader_;
    std::vector<std::string_view> field_names_;
    std::map<std::string, int> explicit_ids_;  // id -> line of its first use
    std::set<std::string> reported_lists_;     // lists whose line problems this file reported
};

std::vector<Rule> RuleFileParser::parse(std::string_view text) {
    if (text.size() > kMaxRuleFileBytes) {
        diagnostics_.push_back(Diagnostic{
            file_name_, 0, 0,
            "rules file is larger than " + std::to_string(kMaxRuleFileBytes) + " bytes"});
        return {};
    }
    const auto document = reader_.parse(text);
    if (!document || document->IsNull()) {
        return {};  // a syntax error (reported), or a file of only comments
    }
    const YAML::Node& root = *document;
    if (!root.IsMap()) {
        reader_.error(root, "a rules file must be a mapping with a 'rules:' list");
        return {};
    }
    reader_.check_mapping(root, {"rules"}, "rules file");
    const YAML::Node rules = root["rules"];
    if (!rules.IsDefined()) {
        reader_.error(root, "rules file has no 'rules:' list");
        return {};
    }
    if (rules.IsNull()) {
        return {};
    }
    if (!rules.IsSequence()) {
        reader_.error(rules, "'rules' must be a list of rules");
        return {};
    }
    if (rules.size() > kMaxRulesPerFile) {
        reader_.error(rules, "'rules' has " + std::to_string(rules.size()) + " rules, more than " +
                                 std::to_string(kMaxRulesPerFile));
        return {};
    }
    std::vector<Rule> parsed;
    std::size_t number = 0;
    for (const auto& node : rules) {
        if (auto rule = parse_rule(node, ++number)) {
            parsed.push_back(std::move(*rule));
        }
    }
    assign_generated_ids(parsed);
    return parsed;
}

std::optional<Rule> RuleFileParser::parse_rule(const YAML::Node& node, std::size_t number) {
    const auto errors_before = diagnostics_.size();
    if (!reader_.check_mapping(node, field_names_, "rule") && !node.IsMap()) {
        return std::nullopt;
    }
    Rule rule;
    rule.source = RuleSource{file_name_, node.Mark().line + 1, node.Mark().column + 1};
    rule.id = base_name(file_name_) + "#" + std::to_string(number);
    rule.id_generated = true;

    FieldStates fields;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
            continue;
        }
        const auto field = find_rule_field(entry.first.Scalar());
        if (!field) {
            continue;
        }
        auto& state = fields[static_cast<std::size_t>(*field)];
        if (state.key) {
            continue;  // duplicate key, already reported by check_mapping
        }
        state.key = entry.first.Mark();
        state.value = entry.second.Mark();
        const auto field_errors_before = diagnostics_.size();
        parse_field(*field, entry.second, rule);
        state.valid = diagnostics_.size() == field_errors_before;
    }
    check_combinations(node, fields, rule);
    if (diagnostics_.size() != errors_before) {
        return std::nullopt;
    }
    return rule;
}

void RuleFileParser::parse_field(RuleField field, const YAML::Node& value, Rule& rule) {
    const auto key = to_string(field);
    switch (field) {
        case RuleField::kId: {
            const auto id = reader_.string(value, key);
            if (!id) {
                return;
            }
            if (!valid_id(*id)) {
                reader_.error(value,
                              "'id' must be 1 to 128 characters without spaces, not " + quote(*id));
                return;
            }
            const int line = value.Mark().line + 1;
            const auto [first, inserted] = explicit_ids_.emplace(*id, line);
            if (!inserted) {
                reader_.error(value, "rule id " + quote(*id) +
                                         " is already used by the rule at line " +
                                         std::to_string(first->second));
                return;
            }
            rule.id = *id;
            rule.id_generated = false;
            return;
        }
        case RuleField::kAction:
            if (const auto text =
                    reader_.choice(value, key, {"allow", "deny", "reject", "prompt"})) {
                rule.action = *parse_action(*text);
            }
            return;
        case RuleField::kDirection:
            if (const auto text = reader_.choice(value, key, {"out", "in", "any"})) {
                rule.direction = *parse_rule_direction(*text);
            }
            return;
        case RuleField::kProcess: {
            const auto path = reader_.string(value, key);
            if (!path) {
                return;
            }
            if (path->empty() || path->front() != '/') {
                reader_.error(value,
                              "'process' must be an absolute path such as /usr/bin/curl, not " +
                                  quote(*path));
                return;
            }
            if (path->size() > kMaxPathLength) {
                reader_.error(value, "'process' is longer than 4096 characters");
                return;
            }
            if (path->back() == '/') {
                reader_.error(value, "'process' " + quote(*path) + " ends with '/'; write " +
                                         quote(*path + "**") + " to match every program below it");
                return;
            }
            std::string problem;
            rule.process = Glob::parse(*path, &problem);
            if (!rule.process) {
                reader_.error(value, "'process': " + problem);
            }
            return;
        }
        case RuleField::kPackage:
            if (auto name = checked_string(field, value, valid_package,
                                           "a Debian package name such as firefox-esr")) {
                rule.package = std::move(*name);
            }
            return;
        case RuleField::kSha256:
            if (const auto text = reader_.string(value, key)) {
                auto digest = normalize_sha256(*text);
                if (!digest) {
                    reader_.error(value,
                                  "'sha256' must be 64 hexadecimal digits, not " + quote(*text));
                    return;
                }
                rule.sha256 = std::move(*digest);
            }
            return;
        case RuleField::kUser:
            parse_accounts(field, value, rule.users);
            return;
        case RuleField::kGroup:
            parse_accounts(field, value, rule.groups);
            return;
        case RuleField::kUnit:
            if (const auto text = reader_.string(value, key)) {
                if (text->size() > kMaxPathLength) {
                    reader_.error(value, "'unit' is longer than 4096 characters");
                    return;
                }
                std::string problem;
                rule.unit = Glob::parse(*text, &problem);
                if (!rule.unit) {
                    reader_.error(value, "'unit': " + problem);
                }
            }
            return;
        case RuleField::kHost:
            if (const auto items = reader_.scalar_list(value, key)) {
                for (const auto& item : *items) {
                    std::string problem;
                    if (auto pattern = HostPattern::parse(item.Scalar(), &problem)) {
                        rule.hosts.push_back(std::move(*pattern));
                    } else {
                        reader_.error(item, "'host': " + problem);
                    }
                }
            }
            return;
        case RuleField::kHostList:
            if (const auto path = path_value(field, value)) {
                rule.host_list = use_list(lists_.host_list(*path), field, *path, value);
                rule.host_list_path = *path;
            }
            return;
        case RuleField::kIp:
            if (const auto items = reader_.scalar_list(value, key)) {
                for (const auto& item : *items) {
                    std::string problem;
                    if (auto prefix = IpPrefix::parse(item.Scalar(), &problem)) {
                        rule.ips.push_back(*prefix);
                    } else {
                        reader_.error(item, "'ip': " + problem);
                    }
                }
            }
            return;
        case RuleField::kIpList:
            if (const auto path = path_value(field, value)) {
                rule.ip_list = use_list(lists_.ip_list(*path), field, *path, value);
                rule.ip_list_path = *path;
            }
            return;
        case RuleField::kPort:
            parse_ports(field, value, rule.ports);
            return;
        case RuleField::kLocalPort:
            parse_ports(field, value, rule.local_ports);
            return;
        case RuleField::kProtocol:
            if (const auto items = reader_.scalar_list(value, key)) {
                bool any = false;
                for (const auto& item : *items) {
                    const auto text =
                        reader_.choice(item, key, {"tcp", "udp", "icmp", "icmpv6", "any"});
                    if (!text) {
                        continue;
                    }
                    if (*text == "any") {
                        any = true;
                    } else if (*text == "tcp") {
                        rule.protocols.push_back(Protocol::kTcp);
                    } else if (*text == "udp") {
                        rule.protocols.push_back(Protocol::kUdp);
                    } else if (*text == "icmp") {
                        rule.protocols.push_back(Protocol::kIcmp);
                    } else {
                        rule.protocols.push_back(Protocol::kIcmpV6);
                    }
                }
                if (any) {
                    rule.protocols.clear();
                }
            }
            return;
        case RuleField::kInterface:
            if (auto name = checked_string(field, value, valid_interface,
                                           "a network interface name of 1 to 15 characters")) {
                rule.interface = std::move(*name);
            }
            return;
        case RuleField::kExpires:
            rule.expires = timestamp_value(field, value);
            return;
        case RuleField::kDuration:
            rule.duration = reader_.duration(value, key);
            return;
        case RuleField::kCreated:
            rule.created = timestamp_value(field, value);
            return;
        case RuleField::kScope:
            if (const auto text = reader_.choice(
                    value, key, {"once", "process", "session", "until-restart", "forever"})) {
                rule.scope = *parse_scope(*text);
            }
            return;
        case RuleField::kPid:
            if (const auto pid = reader_.integer(value, key, 1, kMaxPid)) {
                rule.pid = static_cast<std::uint32_t>(*pid);
            }
            return;
        case RuleField::kPriority:
            if (const auto priority =
                    reader_.integer(value, key, std::numeric_limits<std::int32_t>::min(),
                                    std::numeric_limits<std::int32_t>::max())) {
                rule.priority = static_cast<std::int32_t>(*priority);
            }
            return;
        case RuleField::kLog:
            if (const auto log = reader_.boolean(value, key)) {
                rule.log = *log;
            }
            return;
        case RuleField::kComment:
            if (const auto comment = reader_.string(value, key)) {
                rule.comment = *comment;
            }
            return;
    }
}

void RuleFileParser::check_combinations(const YAML::Node& node, const FieldStates& fields,
                                        const Rule& rule) {
    const auto& action = fields[static_cast<std::size_t>(RuleField::kAction)];
    const auto& expires = fields[static_cast<std::size_t>(RuleField::kExpires)];
    const auto& duration = fields[static_cast<std::size_t>(RuleField::kDuration)];
    const auto& created = fields[static_cast<std::size_t>(RuleField::kCreated)];
    const auto& scope = fields[static_cast<std::size_t>(RuleField::kScope)];
    const auto& pid = fields[static_cast<std::size_t>(RuleField::kPid)];

    if (!action.key) {
        reader_.error(node, "rule has no 'action'; give allow, deny, reject or prompt");
    }
    if (expires.key && duration.key) {
        const bool duration_later = duration.key->pos > expires.key->pos;
        reader_.error(duration_later ? *duration.key : *expires.key,
                      "'expires' and 'duration' cannot both be given; use one");
    } else if (duration.key && !created.key) {
        // Without a start, "1h" would restart at every reload and never end.
        reader_.error(*duration.key,
                      "'duration' counts from 'created', which this rule lacks; give 'created' "
                      "or use 'expires'");
    }
    if (pid.key && (!scope.key || (scope.valid && rule.scope != Scope::kProcess))) {
        reader_.error(*pid.key, "'pid' is only allowed with 'scope: process'");
    }
    if (scope.valid && rule.scope == Scope::kProcess && !pid.key) {
        reader_.error(*scope.value, "'scope: process' needs a 'pid'");
    }
}

void RuleFileParser::assign_generated_ids(std::vector<Rule>& rules) {
    std::erase_if(rules, [this](const Rule& rule) {
        if (!rule.id_generated) {
            return false;
        }
        const auto taken = explicit_ids_.find(rule.id);
        if (taken == explicit_ids_.end()) {
            return false;
        }
        diagnostics_.push_back(Diagnostic{
            rule.source.file, rule.source.line, rule.source.column,
            "this rule's generated id " + quote(rule.id) + " is already used by the rule at line " +
                std::to_string(taken->second) + "; give this rule an 'id'"});
        return true;
    });
}

std::optional<std::string> RuleFileParser::checked_string(RuleField field, const YAML::Node& value,
                                                          bool (*valid)(std::string_view),
                                                          std::string_view expected) {
    auto text = reader_.string(value, to_string(field));
    if (text && !valid(*text)) {
        reader_.error(
            value, key_name(field) + " must be " + std::string(expected) + ", not " + quote(*text));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> RuleFileParser::path_value(RuleField field, const YAML::Node& value) {
    auto path = reader_.string(value, to_string(field));
    if (!path) {
        return std::nullopt;
    }
    if (path->empty() || path->front() != '/') {
        reader_.error(value, key_name(field) + " must be an absolute path, not " + quote(*path));
        return std::nullopt;
    }
    if (path->size() > kMaxPathLength) {
        reader_.error(value, key_name(field) + " is longer than 4096 characters");
        return std::nullopt;
    }
    return path;
}

void RuleFileParser::parse_ports(RuleField field, const YAML::Node& value,
                                 std::vector<PortRange>& ports) {
    const auto key = to_string(field);
    if (const auto items = reader_.scalar_list(value, key)) {
        for (const auto& item : *items) {
            std::string problem;
            if (const auto range = PortRange::parse(item.Scalar(), key, &problem)) {
                ports.push_back(*range);
            } else {
                reader_.error(item, problem);
            }
        }
    }
}

void RuleFileParser::parse_accounts(RuleField field, const YAML::Node& value,
                                    std::vector<NameOrId>& out) {
    if (const auto items = reader_.scalar_list(value, to_string(field))) {
        for (const auto& item : *items) {
            std::string problem;
            if (auto account = NameOrId::parse(item.Scalar(), &problem)) {
                out.push_back(std::move(*account));
            } else {
                reader_.error(item, key_name(field) + ": " + problem);
            }
        }
    }
}

std::optional<TimePoint> RuleFileParser::timestamp_value(RuleField field, const YAML::Node& value) {
    const auto text = reader_.string(value, to_string(field));
    if (!text) {
        return std::nullopt;
    }
    auto time = parse_timestamp(*text);
    if (!time) {
        reader_.error(value, key_name(field) +
                                 " must be an RFC 3339 time such as 2026-12-24T18:00:00Z "
                                 "(years 1970 to 2200), not " +
                                 quote(*text));
    }
    return time;
}

template <typename List>
std::shared_ptr<const List> RuleFileParser::use_list(const ListCache::Entry<List>& entry,
                                                     RuleField field, const std::string& path,
                                                     const YAML::Node& at) {
    if (!entry.read_error.empty()) {
        reader_.error(at, "cannot read " + key_name(field) + " file " + quote(path) + ": " +
                              entry.read_error);
        return nullptr;
    }
    // A list's own problems are reported once per rules file naming it, at the list's lines.
    if (reported_lists_.insert(path).second) {
        diagnostics_.insert(diagnostics_.end(), entry.diagnostics.begin(), entry.diagnostics.end());
    }
    if (!entry.diagnostics.empty()) {
        reader_.error(at, key_name(field) + " file " + quote(path) + " has errors");
        return nullptr;
    }
    return entry.list;
}

}  // namespace

std::vector<Rule> parse_rules(std::string_view yaml_text, const std::string& file_name,
                              Diagnostics& diagnostics) {
    return parse_rules(yaml_text, file_name, diagnostics, read_list_file);
}

std::vector<Rule> parse_rules(std::string_view yaml_text, const std::string& file_name,
                              Diagnostics& diagnostics, const ListFileReader& read_list) {
    ListCache lists(read_list);
    return parse_rules(yaml_text, file_name, diagnostics, lists);
}

std::vector<Rule> parse_rules(std::string_view yaml_text, const std::string& file_name,
                              Diagnostics& diagnostics, ListCache& lists) {
    RuleFileParser parser(file_name, diagnostics, lists);
    return parser.parse(yaml_text);
}

std::vector<Rule> load_rule_file(const std::string& path, Diagnostics& diagnostics) {
    std::string error;
    const auto text = read_text_file_bounded(path, kMaxRuleFileBytes, error);
    if (!text) {
        diagnostics.push_back(Diagnostic{path, 0, 0, "cannot read file: " + error});
        return {};
    }
    return parse_rules(*text, path, diagnostics);
}

}  // namespace sluice
