#pragma once

#include <sdbus-c++/Types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/base/result.hpp"
#include "dbus/rule_draft.hpp"
#include "rules/action.hpp"
#include "rules/rule.hpp"

namespace sluice {

// fw-daemon's rule on the wire: (id u, net s, origin s, proto s, pid u, privs s, app s, path s,
// verb q, target s, mode q, sandbox s), signature (usssusssqsqs).
using FwDaemonRule =
    sdbus::Struct<std::uint32_t, std::string, std::string, std::string, std::uint32_t, std::string,
                  std::string, std::string, std::uint16_t, std::string, std::uint16_t, std::string>;

// fw-daemon's RuleAction and RuleMode values (sgfw/const.go).
inline constexpr std::uint16_t kFwVerbDeny = 0;
inline constexpr std::uint16_t kFwVerbAllow = 1;
inline constexpr std::uint16_t kFwVerbAllowTlsOnly = 2;
inline constexpr std::uint16_t kFwModeSession = 0;
inline constexpr std::uint16_t kFwModeProcess = 1;
inline constexpr std::uint16_t kFwModePermanent = 2;
inline constexpr std::uint16_t kFwModeSystem = 3;

// "[proto:]host:port" as fw-daemon writes a rule's target; host or port "*" means any, an
// IPv6 address may be bracketed.
struct FwTarget {
    std::optional<Protocol> protocol;
    std::string host;                   // "*" for any
    std::optional<std::uint16_t> port;  // nullopt for "*"
};
Result<FwTarget> parse_fw_target(std::string_view text);

// A sluice rule as fw-daemon shows it, numbered `number` (fw-daemon ids are integers). Admin
// rules are mode SYSTEM (read-only there too); prompt rules have no fw-daemon form (nullopt).
std::optional<FwDaemonRule> fw_daemon_rule(std::uint32_t number, const Rule& rule, bool admin);

// `current` changed as fw-daemon's UpdateRule asks: verb, target, proto, mode (with pid for
// PROCESS) and path; the other tuple members have no sluice meaning and are ignored.
Result<RuleDraft> apply_fw_daemon_update(const Rule& current, const FwDaemonRule& update);

}  // namespace sluice
