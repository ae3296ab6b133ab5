#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/action.hpp"
#include "rules/diagnostic.hpp"

namespace sluice {

// sluiced's configuration (/etc/sluice/sluiced.yaml), contract in docs/config.md. One schema
// table in config.cpp lists every key with its default, allowed values and description; the
// loader, to_yaml, the shipped default file, --help and docs/config.md are all made from it.
// Everything here is pure computation on values and may be called from any thread, except
// load_config_file, which reads the file and may block on it.

inline constexpr std::string_view kDefaultConfigPath = "/etc/sluice/sluiced.yaml";

enum class FailPosture : std::uint8_t { kOpen, kClosed };
enum class FirewallBackend : std::uint8_t { kAuto, kIptables, kIptablesLegacy, kNftables, kNone };
enum class DnsObserver : std::uint8_t { kAuto, kQueue, kPacket, kNflog, kOff };
enum class Authorization : std::uint8_t { kAuto, kPolkit, kUid };
enum class LogTarget : std::uint8_t { kAuto, kStderr, kJournal };
enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError };
// dbus.bus: a well-known bus, no bus at all, or an explicit "unix:..." address.
enum class BusKind : std::uint8_t { kSystem, kSession, kNone, kAddress };

// The spelling used in the config file.
std::string_view to_string(FailPosture posture);
std::string_view to_string(FirewallBackend backend);
std::string_view to_string(DnsObserver observer);
std::string_view to_string(Authorization authorization);
std::string_view to_string(LogTarget target);
std::string_view to_string(LogLevel level);
std::string_view to_string(BusKind kind);
// For --log-level, which takes the spelling of log.level.
std::optional<LogLevel> parse_log_level(std::string_view text);

// Where a key's value was read from, so the daemon can point at the line when it cannot honour
// a value the loader accepted (a firewall backend that is not installed, say).
struct SourcePosition {
    std::string file;
    int line = 0;
    int column = 0;
    friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

// Positions of the keys a file set, by dotted key path ("queue.number"). They are bookkeeping,
// not settings: two configs with the same values compare equal wherever they were read from.
class ConfigOrigins {
  public:
    void set(std::string key, SourcePosition position);
    // nullptr when the key kept its default.
    [[nodiscard]] const SourcePosition* find(std::string_view key) const;
    friend bool operator==(const ConfigOrigins&, const ConfigOrigins&) { return true; }

  private:
    std::map<std::string, SourcePosition, std::less<>> positions_;
};

struct QueueConfig {
    std::uint16_t number = 0;
    std::uint16_t prompt_number = 0;
    std::uint32_t max_len = 0;
    friend bool operator==(const QueueConfig&, const QueueConfig&) = default;
};

struct FirewallConfig {
    FirewallBackend backend = FirewallBackend::kAuto;
    // Contiguous, at least 3 bits wide (MarkLayout::from_mask accepts it).
    std::uint32_t mark_mask = 0;
    bool inbound = false;
    friend bool operator==(const FirewallConfig&, const FirewallConfig&) = default;
};

struct PromptConfig {
    std::chrono::milliseconds timeout{0};
    Action fallback = Action::kDeny;  // kAllow or kDeny
    Action no_agent = Action::kDeny;  // kAllow or kDeny
    friend bool operator==(const PromptConfig&, const PromptConfig&) = default;
};

struct RulesConfig {
    std::vector<std::string> dirs;  // absolute paths, never empty
    std::string state;              // absolute path
    friend bool operator==(const RulesConfig&, const RulesConfig&) = default;
};

struct DnsConfig {
    DnsObserver observer = DnsObserver::kAuto;
    friend bool operator==(const DnsConfig&, const DnsConfig&) = default;
};

struct BusChoice {
    BusKind kind = BusKind::kSystem;
    std::string address;  // "unix:...", only with BusKind::kAddress
    friend bool operator==(const BusChoice&, const BusChoice&) = default;
};

struct DbusConfig {
    BusChoice bus;
    Authorization authorization = Authorization::kAuto;
    std::string admin_group;
    bool fw_daemon_compat = false;
    friend bool operator==(const DbusConfig&, const DbusConfig&) = default;
};

struct LogConfig {
    LogLevel level = LogLevel::kInfo;
    LogTarget target = LogTarget::kAuto;
    friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

// The member initializers are placeholders only: the defaults live in the schema table, so a
// configuration starts from default_config(), never from Config{}.
struct Config {
    QueueConfig queue;
    FailPosture fail = FailPosture::kOpen;
    FirewallConfig firewall;
    Action default_action = Action::kPrompt;  // kAllow, kDeny or kPrompt
    PromptConfig prompt;
    RulesConfig rules;
    DnsConfig dns;
    DbusConfig dbus;
    LogConfig log;
    ConfigOrigins origins;
    friend bool operator==(const Config&, const Config&) = default;
};

// One row of the schema table, as shown to people.
struct ConfigKey {
    std::string path;          // dotted: "queue.number"
    std::string default_text;  // as written in YAML: "4242", "\"0x00700000\""
    std::string allowed;       // "0-65535", "open | closed"
    std::string description;   // one line
};

// Every key, in file order.
std::vector<ConfigKey> config_keys();

// Every key at its documented default.
Config default_config();

// Reads a config document. Missing keys keep their defaults, so an empty file is valid. Every
// problem of the file (syntax, unknown or duplicate keys, wrong types, bad values) is appended to
// `diagnostics` as FILE:LINE:COL in file order, and then the result is nullopt.
std::optional<Config> parse_config(std::string_view yaml_text, const std::string& file_name,
                                   Diagnostics& diagnostics);

// parse_config on a file's content. A missing, unreadable or oversized (over 1 MiB) file is a
// diagnostic at 0:0; the caller decides whether a missing default path means default_config().
// Blocks on the file system.
std::optional<Config> load_config_file(const std::string& path, Diagnostics& diagnostics);

// The config as YAML, every key with its one-line comment; parse_config reads it back to an
// equal Config.
std::string to_yaml(const Config& config);

// The shipped /etc/sluice/sluiced.yaml: a header and to_yaml(default_config()).
std::string default_config_yaml();

// The schema table as aligned text for --help: key, default, allowed values, description.
std::string config_reference_text();

// The schema table as a Markdown table, kept verbatim in docs/config.md (a test compares).
std::string config_reference_markdown();

}  // namespace sluice
