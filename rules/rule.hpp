#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/action.hpp"
#include "rules/domain_list.hpp"
#include "rules/glob.hpp"
#include "rules/host_pattern.hpp"
#include "rules/ip_address.hpp"
#include "rules/ip_list.hpp"
#include "rules/name_or_id.hpp"
#include "rules/port_range.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

// Which connections a rule is about. A connection itself is only ever out or in.
enum class RuleDirection : std::uint8_t { kOut, kIn, kAny };

std::string_view to_string(RuleDirection direction);
std::optional<RuleDirection> parse_rule_direction(std::string_view text);

// How long a rule made from a prompt answer lives. The rule engine only uses `process` (with
// `pid`); the daemon drops session and until-restart rules at the matching event.
enum class Scope : std::uint8_t { kOnce, kProcess, kSession, kUntilRestart, kForever };

std::string_view to_string(Scope scope);
std::optional<Scope> parse_scope(std::string_view text);

// Where a rule was written: its mapping's first key in a rules file.
struct RuleSource {
    std::string file;
    int line = 0;
    int column = 0;

    [[nodiscard]] std::string to_string() const;  // "FILE:LINE:COL"
    friend bool operator==(const RuleSource&, const RuleSource&) = default;
};

// One validated rule of docs/rules.md. An empty optional, string or vector means "the rule
// does not look at this": it matches anything. Lists are alternatives (OR); fields must all
// match (AND). Value type: copies share the immutable host/ip lists.
struct Rule {
    std::string id;
    bool id_generated = false;  // the file gave no id; `id` is FILE#N
    Action action = Action::kPrompt;
    RuleDirection direction = RuleDirection::kOut;

    std::optional<Glob> process;  // absolute; never ends in '/'
    std::string package;
    std::string sha256;  // 64 lower-case hex digits
    std::vector<NameOrId> users;
    std::vector<NameOrId> groups;
    std::optional<Glob> unit;

    std::vector<HostPattern> hosts;
    std::string host_list_path;
    std::shared_ptr<const DomainList> host_list;  // set exactly when host_list_path is
    std::vector<IpPrefix> ips;
    std::string ip_list_path;
    std::shared_ptr<const IpList> ip_list;  // set exactly when ip_list_path is
    std::vector<PortRange> ports;
    std::vector<PortRange> local_ports;
    std::vector<Protocol> protocols;  // empty: any protocol
    std::string interface;

    std::optional<TimePoint> expires;
    std::optional<std::chrono::milliseconds> duration;  // only together with `created`
    std::optional<TimePoint> created;
    Scope scope = Scope::kForever;
    std::optional<std::uint32_t> pid;  // only with Scope::kProcess
    std::int32_t priority = 0;
    bool log = false;
    std::string comment;

    RuleSource source;

    // The instant from which the rule no longer matches: `expires`, or `created + duration`
    // (saturating far in the future instead of overflowing), or none.
    [[nodiscard]] std::optional<TimePoint> expiry() const;
    [[nodiscard]] bool expired_at(TimePoint now) const;
    [[nodiscard]] bool names_program() const {
        return process.has_value() || !package.empty() || !sha256.empty();
    }
};

// Whether two rules say the same thing: every field a rules file can state is equal (lists by
// their path). Where a rule was written (`source`) and whether its id was generated do not
// count, so a rule written out by to_yaml() and parsed back is the same rule.
bool same_definition(const Rule& a, const Rule& b);

// The rules of one file, shared read-only between the catalog or store that loaded them and
// every RuleIndex built from them, so a rebuilt index does not copy unchanged rules.
using SharedRules = std::shared_ptr<const std::vector<Rule>>;

}  // namespace sluice
