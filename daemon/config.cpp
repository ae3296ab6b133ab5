#include "daemon/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "daemon/netfilter/mark_layout.hpp"
#include "rules/duration.hpp"
#include "rules/text_file.hpp"
#include "rules/yaml_reader.hpp"

namespace sluice {

namespace {

// A deadline this far out still fits every clock when added to now(), and no connection waits
// for a person for longer than that anyway.
constexpr std::chrono::milliseconds kMaxPromptTimeout = std::chrono::days(7);

// The shipped file is under 3 KiB; the bound makes a wrong --config such as /dev/zero fail.
constexpr std::size_t kMaxConfigFileBytes = std::size_t{1024} * 1024;

constexpr std::array kFailPostures{FailPosture::kOpen, FailPosture::kClosed};
constexpr std::array kFirewallBackends{FirewallBackend::kAuto, FirewallBackend::kIptables,
                                       FirewallBackend::kIptablesLegacy, FirewallBackend::kNftables,
                                       FirewallBackend::kNone};
constexpr std::array kDnsObservers{DnsObserver::kAuto, DnsObserver::kQueue, DnsObserver::kPacket,
                                   DnsObserver::kNflog, DnsObserver::kOff};
constexpr std::array kAuthorizations{Authorization::kAuto, Authorization::kPolkit,
                                     Authorization::kUid};
constexpr std::array kLogTargets{LogTarget::kAuto, LogTarget::kStderr, LogTarget::kJournal};
constexpr std::array kLogLevels{LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo,
                                LogLevel::kWarn, LogLevel::kError};
// reject is a rule action only: with no rule to name, the config has nothing to reject for.
constexpr std::array kDefaultActions{Action::kAllow, Action::kDeny, Action::kPrompt};
// What stands in for a person's answer: a yes or a no.
constexpr std::array kAnswerActions{Action::kAllow, Action::kDeny};
constexpr std::array kNamedBuses{BusKind::kSystem, BusKind::kSession, BusKind::kNone};

constexpr std::string_view kUnixAddressPrefix = "unix:";

std::string quote(std::string_view text) {
    return "'" + std::string(text) + "'";
}

template <const auto& Values>
std::string join_names(std::string_view separator) {
    std::string out;
    for (const auto value : Values) {
        if (!out.empty()) {
            out += separator;
        }
        out += to_string(value);
    }
    return out;
}

// One value being read: where it is, under which dotted key, and who records problems.
struct Value {
    YamlReader& reader;
    const YAML::Node& node;
    std::string_view key;

    void error(std::string message) const { reader.error(node, std::move(message)); }
    [[nodiscard]] std::string not_text() const {
        return node.IsScalar() ? ", not " + quote(node.Scalar()) : std::string();
    }
};

template <const auto& Values>
auto read_choice(const Value& in) -> std::optional<std::remove_cvref_t<decltype(Values[0])>> {
    if (in.node.IsScalar()) {
        for (const auto value : Values) {
            if (to_string(value) == in.node.Scalar()) {
                return value;
            }
        }
    }
    in.error(quote(in.key) + " must be one of " + join_names<Values>(", ") + in.not_text());
    return std::nullopt;
}

template <typename Integer>
std::optional<Integer> read_integer(const Value& in, Integer min, Integer max) {
    const auto value = in.reader.integer(in.node, in.key, min, max);
    if (!value) {
        return std::nullopt;
    }
    return static_cast<Integer>(*value);
}

std::optional<std::chrono::milliseconds> read_timeout(const Value& in) {
    const auto value = in.reader.duration(in.node, in.key);
    if (value && *value > kMaxPromptTimeout) {
        in.error(quote(in.key) + " is " + in.node.Scalar() + ", out of range 1ms to " +
                 format_duration(kMaxPromptTimeout));
        return std::nullopt;
    }
    return value;
}

// "0x00700000" or decimal; YAML quoting does not matter, yaml-cpp hands over the text.
std::optional<std::uint32_t> parse_mask_text(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    std::uint32_t mask = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, mask, base);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return mask;
}

std::optional<std::uint32_t> read_mark_mask(const Value& in) {
    const auto mask = in.node.IsScalar() ? parse_mask_text(in.node.Scalar()) : std::nullopt;
    if (!mask) {
        in.error(quote(in.key) + " must be a 32-bit mask such as \"0x00700000\"" + in.not_text());
        return std::nullopt;
    }
    if (!MarkLayout::from_mask(*mask)) {
        in.error(quote(in.key) + " must be one contiguous run of at least 3 bits" + in.not_text());
        return std::nullopt;
    }
    return mask;
}

// Decodes one UTF-8 sequence at the front of `text`, refusing overlong forms, surrogates and
// values past U+10FFFF. Returns the code point and its length in bytes.
std::optional<std::pair<char32_t, std::size_t>> decode_utf8(std::string_view text) {
    const auto lead = static_cast<unsigned char>(text[0]);
    if (lead < 0x80) {
        return std::pair<char32_t, std::size_t>{lead, 1};
    }
    std::size_t length = 0;
    char32_t code = 0;
    char32_t smallest = 0;
    if ((lead & 0xe0) == 0xc0) {
        length = 2;
        code = lead & 0x1f;
        smallest = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
        code = lead & 0x0f;
        smallest = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
        code = lead & 0x07;
        smallest = 0x10000;
    } else {
        return std::nullopt;
    }
    if (text.size() < length) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto next = static_cast<unsigned char>(text[i]);
        if ((next & 0xc0) != 0x80) {
            return std::nullopt;
        }
        code = (code << 6) | (next & 0x3f);
    }
    if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return std::nullopt;
    }
    return std::pair{code, length};
}

// C0 and C1 controls, and what YAML 1.1 readers take as line breaks or a byte order mark.
bool is_control(char32_t code) {
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code == 0x2028 || code == 0x2029 ||
           code == 0xfeff;
}

// A YAML file is Unicode text, and a control character in a path or name is a typing accident;
// refusing both also lets to_yaml write every accepted value back byte for byte.
bool is_clean_text(std::string_view text) {
    while (!text.empty()) {
        const auto decoded = decode_utf8(text);
        if (!decoded || is_control(decoded->first)) {
            return false;
        }
        text.remove_prefix(decoded->second);
    }
    return true;
}

constexpr std::string_view kCleanTextRule = " must be UTF-8 text without control characters";

// The scalar text of the value, or nullopt after reporting why it cannot be used as text.
std::optional<std::string> read_clean_text(const Value& in) {
    auto text = in.reader.string(in.node, in.key);
    if (text && !is_clean_text(*text)) {
        in.error(quote(in.key) + std::string(kCleanTextRule));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_absolute_path(const Value& in) {
    auto text = read_clean_text(in);
    if (text && !text->starts_with('/')) {
        in.error(quote(in.key) + " must be an absolute path, not " + quote(*text));
        return std::nullopt;
    }
    return text;
}

std::optional<std::vector<std::string>> read_absolute_paths(const Value& in) {
    const auto items = in.reader.scalar_list(in.node, in.key);
    if (!items) {
        return std::nullopt;
    }
    std::vector<std::string> paths;
    bool clean = true;
    for (const auto& item : *items) {
        const auto& text = item.Scalar();
        if (!is_clean_text(text)) {
            in.reader.error(item, "items of " + quote(in.key) + std::string(kCleanTextRule));
            clean = false;
        } else if (!text.starts_with('/')) {
            in.reader.error(
                item, "items of " + quote(in.key) + " must be absolute paths, not " + quote(text));
            clean = false;
        } else {
            paths.push_back(text);
        }
    }
    if (!clean) {
        return std::nullopt;
    }
    return paths;
}

std::optional<BusChoice> read_bus(const Value& in) {
    if (in.node.IsScalar()) {
        const auto& text = in.node.Scalar();
        if (!is_clean_text(text)) {
            in.error(quote(in.key) + std::string(kCleanTextRule));
            return std::nullopt;
        }
        for (const auto kind : kNamedBuses) {
            if (text == to_string(kind)) {
                return BusChoice{kind, {}};
            }
        }
        if (text.starts_with(kUnixAddressPrefix) && text.size() > kUnixAddressPrefix.size()) {
            return BusChoice{BusKind::kAddress, text};
        }
    }
    in.error(quote(in.key) + " must be " + join_names<kNamedBuses>(", ") +
             " or a unix: address such as unix:path=/run/sluice/bus" + in.not_text());
    return std::nullopt;
}

// Anything getgrnam() could find: no separators of /etc/group and no blanks.
bool is_group_name(std::string_view text) {
    return !text.empty() && text.find_first_of(" :,") == std::string_view::npos;
}

std::optional<std::string> read_group(const Value& in) {
    auto text = read_clean_text(in);
    if (text && !is_group_name(*text)) {
        in.error(quote(in.key) + " must be a group name, not " + quote(*text));
        return std::nullopt;
    }
    return text;
}

template <typename Stored, typename Read>
bool store(std::optional<Read> value, Stored& into) {
    if (!value) {
        return false;
    }
    into = std::move(*value);
    return true;
}

std::string emit(const YAML::Emitter& emitter) {
    return std::string(emitter.c_str(), emitter.size());
}

// yaml-cpp decides the quoting, so any text we accepted prints back to the same text.
std::string yaml_scalar(std::string_view text) {
    YAML::Emitter emitter;
    emitter << std::string(text);
    return emit(emitter);
}

std::string yaml_flow_list(const std::vector<std::string>& items) {
    YAML::Emitter emitter;
    emitter << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : items) {
        emitter << item;
    }
    emitter << YAML::EndSeq;
    return emit(emitter);
}

std::string yaml_mask(std::uint32_t mask) {
    std::array<char, 16> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), mask, 16);
    const std::string hex(digits.data(), end);
    return "\"0x" + std::string(8 - hex.size(), '0') + hex + "\"";
}

std::string yaml_bool(bool value) {
    return value ? "true" : "false";
}

using ReadFn = bool (*)(const Value& in, Config& config);
using WriteFn = std::string (*)(const Config& config);
using AllowedFn = std::string (*)();

// One key: its documentation and how it moves between YAML and Config.
struct KeyBinding {
    std::string_view path;
    std::string_view default_text;
    AllowedFn allowed;
    std::string_view description;
    ReadFn read;
    WriteFn write;
};

template <const auto& Values>
std::string choices_allowed() {
    return join_names<Values>(" | ");
}

// The schema: every key in file order. default_config() is read from the default texts here.
const std::array kBindings{
    KeyBinding{"queue.number", "4242", [] { return std::string("0-65535"); },
               "NFQUEUE number for new connections",
               [](const Value& in, Config& c) {
                   return store(read_integer<std::uint16_t>(in, 0, 65535), c.queue.number);
               },
               [](const Config& c) { return std::to_string(c.queue.number); }},
    KeyBinding{"queue.prompt_number", "4243",
               [] { return std::string("0-65535, not queue.number"); },
               "second queue where packets wait for a prompt (if used)",
               [](const Value& in, Config& c) {
                   return store(read_integer<std::uint16_t>(in, 0, 65535), c.queue.prompt_number);
               },
               [](const Config& c) { return std::to_string(c.queue.prompt_number); }},
    KeyBinding{"queue.max_len", "4096", [] { return std::string("1-1048576"); },
               "kernel queue length, in packets",
               [](const Value& in, Config& c) {
                   return store(read_integer<std::uint32_t>(in, 1, 1'048'576), c.queue.max_len);
               },
               [](const Config& c) { return std::to_string(c.queue.max_len); }},
    KeyBinding{
        "fail", "open", choices_allowed<kFailPostures>,
        "one posture for crash, stop, boot, upgrade, queue full",
        [](const Value& in, Config& c) { return store(read_choice<kFailPostures>(in), c.fail); },
        [](const Config& c) { return std::string(to_string(c.fail)); }},
    KeyBinding{"firewall.backend", "auto", choices_allowed<kFirewallBackends>,
               "who sets up the queue rules; with none, the admin does",
               [](const Value& in, Config& c) {
                   return store(read_choice<kFirewallBackends>(in), c.firewall.backend);
               },
               [](const Config& c) { return std::string(to_string(c.firewall.backend)); }},
    KeyBinding{
        "firewall.mark_mask", "\"0x00700000\"",
        [] { return std::string("contiguous mask, 3+ bits"); }, "conntrack mark bits sluice owns",
        [](const Value& in, Config& c) { return store(read_mark_mask(in), c.firewall.mark_mask); },
        [](const Config& c) { return yaml_mask(c.firewall.mark_mask); }},
    KeyBinding{"firewall.inbound", "false", [] { return std::string("true | false"); },
               "also queue new inbound connections",
               [](const Value& in, Config& c) {
                   return store(in.reader.boolean(in.node, in.key), c.firewall.inbound);
               },
               [](const Config& c) { return yaml_bool(c.firewall.inbound); }},
    KeyBinding{"default_action", "prompt", choices_allowed<kDefaultActions>, "when no rule matches",
               [](const Value& in, Config& c) {
                   return store(read_choice<kDefaultActions>(in), c.default_action);
               },
               [](const Config& c) { return std::string(to_string(c.default_action)); }},
    KeyBinding{"prompt.timeout", "20s", [] { return std::string("duration, 1ms-7d"); },
               "how long a connection waits for an answer",
               [](const Value& in, Config& c) { return store(read_timeout(in), c.prompt.timeout); },
               [](const Config& c) { return format_duration(c.prompt.timeout); }},
    KeyBinding{"prompt.fallback", "deny", choices_allowed<kAnswerActions>,
               "when the agents asked did not answer in time",
               [](const Value& in, Config& c) {
                   return store(read_choice<kAnswerActions>(in), c.prompt.fallback);
               },
               [](const Config& c) { return std::string(to_string(c.prompt.fallback)); }},
    KeyBinding{"prompt.no_agent", "allow", choices_allowed<kAnswerActions>,
               "when no agent is registered for the connection's user (logged)",
               [](const Value& in, Config& c) {
                   return store(read_choice<kAnswerActions>(in), c.prompt.no_agent);
               },
               [](const Config& c) { return std::string(to_string(c.prompt.no_agent)); }},
    KeyBinding{
        "rules.dirs", "[/etc/sluice/rules.d]", [] { return std::string("absolute paths"); },
        "admin rules, read-only to the daemon, *.yaml in name order",
        [](const Value& in, Config& c) { return store(read_absolute_paths(in), c.rules.dirs); },
        [](const Config& c) { return yaml_flow_list(c.rules.dirs); }},
    KeyBinding{
        "rules.state", "/var/lib/sluice/rules.yaml", [] { return std::string("absolute path"); },
        "rules made by prompts and D-Bus edits",
        [](const Value& in, Config& c) { return store(read_absolute_path(in), c.rules.state); },
        [](const Config& c) { return yaml_scalar(c.rules.state); }},
    KeyBinding{"dns.observer", "auto", choices_allowed<kDnsObservers>,
               "how DNS answers are seen, to match host names",
               [](const Value& in, Config& c) {
                   return store(read_choice<kDnsObservers>(in), c.dns.observer);
               },
               [](const Config& c) { return std::string(to_string(c.dns.observer)); }},
    KeyBinding{
        "dbus.bus", "system", [] { return join_names<kNamedBuses>(" | ") + " | unix:ADDRESS"; },
        "where the D-Bus interface is served",
        [](const Value& in, Config& c) { return store(read_bus(in), c.dbus.bus); },
        [](const Config& c) {
            return c.dbus.bus.kind == BusKind::kAddress ? yaml_scalar(c.dbus.bus.address)
                                                        : std::string(to_string(c.dbus.bus.kind));
        }},
    KeyBinding{"dbus.authorization", "auto", choices_allowed<kAuthorizations>,
               "checks callers; auto uses polkit if it runs, else uid",
               [](const Value& in, Config& c) {
                   return store(read_choice<kAuthorizations>(in), c.dbus.authorization);
               },
               [](const Config& c) { return std::string(to_string(c.dbus.authorization)); }},
    KeyBinding{"dbus.admin_group", "sluice", [] { return std::string("group name"); },
               "root and members may modify, with uid authorization",
               [](const Value& in, Config& c) { return store(read_group(in), c.dbus.admin_group); },
               [](const Config& c) { return yaml_scalar(c.dbus.admin_group); }},
    KeyBinding{"dbus.fw_daemon_compat", "false", [] { return std::string("true | false"); },
               "also serve com.subgraph.Firewall and call com.subgraph.FirewallPrompt",
               [](const Value& in, Config& c) {
                   return store(in.reader.boolean(in.node, in.key), c.dbus.fw_daemon_compat);
               },
               [](const Config& c) { return yaml_bool(c.dbus.fw_daemon_compat); }},
    KeyBinding{
        "log.level", "info", choices_allowed<kLogLevels>, "least severe message written",
        [](const Value& in, Config& c) { return store(read_choice<kLogLevels>(in), c.log.level); },
        [](const Config& c) { return std::string(to_string(c.log.level)); }},
    KeyBinding{"log.target", "auto", choices_allowed<kLogTargets>,
               "auto writes to the journal under systemd, else stderr",
               [](const Value& in, Config& c) {
                   return store(read_choice<kLogTargets>(in), c.log.target);
               },
               [](const Config& c) { return std::string(to_string(c.log.target)); }},
};

const KeyBinding* find_binding(std::string_view path) {
    const auto it = std::find_if(kBindings.begin(), kBindings.end(),
                                 [&](const KeyBinding& binding) { return binding.path == path; });
    return it == kBindings.end() ? nullptr : &*it;
}

// The names one level below `prefix` ("" for the top level), in schema order.
std::vector<std::string_view> child_names(std::string_view prefix) {
    std::vector<std::string_view> names;
    for (const auto& binding : kBindings) {
        std::string_view rest = binding.path;
        if (!prefix.empty()) {
            if (!rest.starts_with(prefix) || rest.size() <= prefix.size() ||
                rest[prefix.size()] != '.') {
                continue;
            }
            rest.remove_prefix(prefix.size() + 1);
        }
        const auto name = rest.substr(0, rest.find('.'));
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            names.push_back(name);
        }
    }
    return names;
}

std::string join_path(std::string_view prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

using KeySet = std::set<std::string, std::less<>>;

// Reads one mapping's entries into `config`: the whole file (prefix "") or a section. Every
// problem is recorded and reading goes on, so one pass reports them all.
void read_mapping(YamlReader& reader, const YAML::Node& mapping, std::string_view prefix,
                  Config& config, KeySet& failed_keys) {
    const auto names = child_names(prefix);
    const std::string what = prefix.empty() ? "the config file" : "section " + quote(prefix);
    reader.check_mapping(mapping, names, what);
    if (!mapping.IsMap()) {
        return;
    }
    KeySet seen;
    for (const auto& entry : mapping) {
        // check_mapping has reported odd, unknown and repeated keys; read each known key once.
        if (!entry.first.IsScalar()) {
            continue;
        }
        const auto& name = entry.first.Scalar();
        if (std::find(names.begin(), names.end(), name) == names.end() ||
            !seen.insert(name).second) {
            continue;
        }
        const std::string path = join_path(prefix, name);
        const auto* binding = find_binding(path);
        if (binding == nullptr) {
            // A section; left empty (every key commented out) it keeps all its defaults.
            if (!entry.second.IsNull()) {
                read_mapping(reader, entry.second, path, config, failed_keys);
            }
            continue;
        }
        if (entry.second.IsNull()) {
            // yaml-cpp places an empty value at the start of the next line; the key is clearer.
            reader.error(entry.first, quote(path) + " has no value; leave the key out to keep " +
                                          "the default, " + std::string(binding->default_text));
            failed_keys.insert(path);
            continue;
        }
        if (binding->read(Value{reader, entry.second, path}, config)) {
            const auto mark = entry.second.Mark();
            config.origins.set(path,
                               SourcePosition{reader.file_name(), mark.line + 1, mark.column + 1});
        } else {
            failed_keys.insert(path);
        }
    }
}

// The kernel binds one handler per queue number, so the two queues must not collide.
void check_queue_numbers(const Config& config, const KeySet& failed_keys,
                         Diagnostics& diagnostics) {
    if (config.queue.number != config.queue.prompt_number || failed_keys.contains("queue.number") ||
        failed_keys.contains("queue.prompt_number")) {
        return;
    }
    const auto* at = config.origins.find("queue.prompt_number");
    if (at == nullptr) {
        at = config.origins.find("queue.number");
    }
    const SourcePosition position = at != nullptr ? *at : SourcePosition{};
    diagnostics.push_back(Diagnostic{position.file, position.line, position.column,
                                     "'queue.prompt_number' must differ from 'queue.number', " +
                                         std::string("both are ") +
                                         std::to_string(config.queue.number)});
}

Config build_default_config() {
    Config config;
    Diagnostics problems;
    YamlReader reader("config schema", problems);
    for (const auto& binding : kBindings) {
        const auto node = reader.parse(binding.default_text);
        if (!node || !binding.read(Value{reader, *node, binding.path}, config)) {
            throw std::logic_error(
                "config schema default for " + std::string(binding.path) +
                " does not load: " + (problems.empty() ? "" : problems.back().to_string()));
        }
    }
    return config;
}

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width) {
        text.append(width - text.size(), ' ');
    }
    return text;
}

std::string markdown_cell(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '|' || c == '*') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

}  // namespace

std::string_view to_string(FailPosture posture) {
    switch (posture) {
        case FailPosture::kOpen:
            return "open";
        case FailPosture::kClosed:
            return "closed";
    }
    return "?";
}

std::string_view to_string(FirewallBackend backend) {
    switch (backend) {
        case FirewallBackend::kAuto:
            return "auto";
        case FirewallBackend::kIptables:
            return "iptables";
        case FirewallBackend::kIptablesLegacy:
            return "iptables-legacy";
        case FirewallBackend::kNftables:
            return "nftables";
        case FirewallBackend::kNone:
            return "none";
    }
    return "?";
}

std::string_view to_string(DnsObserver observer) {
    switch (observer) {
        case DnsObserver::kAuto:
            return "auto";
        case DnsObserver::kQueue:
            return "queue";
        case DnsObserver::kPacket:
            return "packet";
        case DnsObserver::kNflog:
            return "nflog";
        case DnsObserver::kOff:
            return "off";
    }
    return "?";
}

std::string_view to_string(Authorization authorization) {
    switch (authorization) {
        case Authorization::kAuto:
            return "auto";
        case Authorization::kPolkit:
            return "polkit";
        case Authorization::kUid:
            return "uid";
    }
    return "?";
}

std::string_view to_string(LogTarget target) {
    switch (target) {
        case LogTarget::kAuto:
            return "auto";
        case LogTarget::kStderr:
            return "stderr";
        case LogTarget::kJournal:
            return "journal";
    }
    return "?";
}

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::kTrace:
            return "trace";
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kError:
            return "error";
    }
    return "?";
}

std::string_view to_string(BusKind kind) {
    switch (kind) {
        case BusKind::kSystem:
            return "system";
        case BusKind::kSession:
            return "session";
        case BusKind::kNone:
            return "none";
        case BusKind::kAddress:
            return "address";
    }
    return "?";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
    for (const auto level : kLogLevels) {
        if (to_string(level) == text) {
            return level;
        }
    }
    return std::nullopt;
}

void ConfigOrigins::set(std::string key, SourcePosition position) {
    positions_.insert_or_assign(std::move(key), std::move(position));
}

const SourcePosition* ConfigOrigins::find(std::string_view key) const {
    const auto it = positions_.find(key);
    return it == positions_.end() ? nullptr : &it->second;
}

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> keys;
    keys.reserve(kBindings.size());
    for (const auto& binding : kBindings) {
        keys.push_back(ConfigKey{std::string(binding.path), std::string(binding.default_text),
                                 binding.allowed(), std::string(binding.description)});
    }
    return keys;
}

Config default_config() {
    static const Config defaults = build_default_config();
    return defaults;
}

std::optional<Config> parse_config(std::string_view yaml_text, const std::string& file_name,
                                   Diagnostics& diagnostics) {
    const auto first_new = static_cast<std::ptrdiff_t>(diagnostics.size());
    YamlReader reader(file_name, diagnostics);
    const auto root = reader.parse(yaml_text);
    if (!root) {
        return std::nullopt;
    }
    Config config = default_config();
    if (!root->IsNull()) {
        KeySet failed_keys;
        read_mapping(reader, *root, "", config, failed_keys);
        check_queue_numbers(config, failed_keys, diagnostics);
    }
    // Problems are found section by section; people read them top to bottom.
    std::stable_sort(diagnostics.begin() + first_new, diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
    if (reader.error_count() > 0) {
        return std::nullopt;
    }
    return config;
}

std::optional<Config> load_config_file(const std::string& path, Diagnostics& diagnostics) {
    std::string error;
    const auto text = read_text_file_bounded(path, kMaxConfigFileBytes, error);
    if (!text) {
        diagnostics.push_back(Diagnostic{path, 0, 0, "cannot read file: " + error});
        return std::nullopt;
    }
    return parse_config(*text, path, diagnostics);
}

std::string to_yaml(const Config& config) {
    constexpr std::size_t kCommentColumn = 26;
    constexpr std::size_t kWidestAlignedLine = 48;
    struct Line {
        std::string text;
        std::string comment;
        std::string group;
    };
    std::vector<Line> lines;
    std::string section;
    for (const auto& binding : kBindings) {
        const auto dot = binding.path.find('.');
        std::string group;
        std::string_view name = binding.path;
        std::string indent;
        if (dot != std::string_view::npos) {
            group = std::string(binding.path.substr(0, dot));
            name = binding.path.substr(dot + 1);
            indent = "  ";
            if (group != section) {
                lines.push_back(Line{group + ":", "", ""});
            }
        }
        section = group;
        lines.push_back(Line{indent + std::string(name) + ": " + binding.write(config),
                             binding.allowed() + ": " + std::string(binding.description), group});
    }
    // Comments line up within each run of lines at the same level, at column 26 or further;
    // an unusually long value gets its comment right after it instead of pushing the rest.
    std::string out;
    std::size_t i = 0;
    while (i < lines.size()) {
        if (lines[i].comment.empty()) {
            out += lines[i].text + "\n";
            ++i;
            continue;
        }
        std::size_t column = kCommentColumn;
        std::size_t run_end = i;
        for (; run_end < lines.size() && !lines[run_end].comment.empty() &&
               lines[run_end].group == lines[i].group;
             ++run_end) {
            if (lines[run_end].text.size() < kWidestAlignedLine) {
                column = std::max(column, lines[run_end].text.size() + 1);
            }
        }
        for (; i < run_end; ++i) {
            out += pad(lines[i].text, std::max(column, lines[i].text.size() + 1)) + "# " +
                   lines[i].comment + "\n";
        }
    }
    return out;
}

std::string default_config_yaml() {
    return "# sluiced configuration, installed as " + std::string(kDefaultConfigPath) +
           ". Every key is shown\n"
           "# with its default: a key left out keeps it, an unknown key is an error.\n"
           "# Reference: docs/config.md or `sluiced --help`. Check edits with "
           "`sluiced --check-config`.\n\n" +
           to_yaml(default_config());
}

std::string config_reference_text() {
    const auto keys = config_keys();
    std::size_t path_width = 0;
    std::size_t default_width = 0;
    for (const auto& key : keys) {
        path_width = std::max(path_width, key.path.size() + 2);
        default_width = std::max(default_width, key.default_text.size() + 2);
    }
    std::string out = "  " + pad("KEY", path_width) + pad("DEFAULT", default_width) + "ALLOWED\n";
    for (const auto& key : keys) {
        out += "  " + pad(key.path, path_width) + pad(key.default_text, default_width) +
               key.allowed + "\n";
        out += "      " + key.description + "\n";
    }
    return out;
}

std::string config_reference_markdown() {
    std::string out = "| Key | Default | Allowed | Description |\n|---|---|---|---|\n";
    for (const auto& key : config_keys()) {
        out += "| `" + key.path + "` | `" + key.default_text + "` | " + markdown_cell(key.allowed) +
               " | " + markdown_cell(key.description) + " |\n";
    }
    return out;
}

}  // namespace sluice
