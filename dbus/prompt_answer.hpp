#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/base/result.hpp"
#include "dbus/rule_dict.hpp"
#include "rules/action.hpp"
#include "rules/connection.hpp"
#include "rules/rule.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

// How wide a rule made from an answer is on the destination's name (decision key match_host).
enum class HostWidth : std::uint8_t {
    kExact,   // the host name the connection went to (its address when no name is known)
    kDomain,  // that name's parent domain and everything below it
    kAny,     // any destination
};

// An agent's answer to a prompt, validated.
struct PromptAnswer {
    Action action = Action::kDeny;  // allow, deny or reject
    Scope scope = Scope::kOnce;
    std::optional<std::chrono::milliseconds> duration;
    HostWidth host = HostWidth::kExact;
    bool match_port = true;
    bool match_user = true;
    // fw-daemon answers name the destination themselves ("*" means any); they override
    // `host` and `match_port` when set.
    std::optional<std::string> target_host;
    std::optional<std::uint16_t> target_port;
    std::optional<Protocol> target_protocol;
};

// Reads an org.sluice.PromptAgent1 decision dict: `action` (allow|deny|reject, required),
// `scope` (once|process|session|until-restart|forever, default once), `duration` ("1h"),
// `match_host` (exact|domain|any), `match_port` (b), `match_user` (b). Unknown keys are
// ignored so agents may send more; a known key with a wrong type or value is an error.
Result<PromptAnswer> answer_from_dict(const VariantDict& decision);

// Reads com.subgraph.FirewallPrompt.RequestPrompt's reply: scope 0 once, 1 session, 2 process,
// 3 forever; rule "VERB|[proto:]host:port|sandbox" with VERB ALLOW or DENY, host or port "*"
// for any.
Result<PromptAnswer> answer_from_fw_daemon(std::int32_t scope, std::string_view rule);

// The rule an answer asks for, or nullopt for scope `once` (the verdict only). The rule names
// the connection's program, protocol and direction, the destination per the match width, and
// carries `created: now`, the scope (with the pid for `process`) and any duration.
Result<std::optional<Rule>> rule_for_answer(const PromptAnswer& answer,
                                            const Connection& connection, TimePoint now);

}  // namespace sluice
