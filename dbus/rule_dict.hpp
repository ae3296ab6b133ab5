#pragma once

#include <sdbus-c++/Types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "daemon/base/result.hpp"
#include "dbus/rule_draft.hpp"
#include "rules/rule.hpp"

namespace sluice {

// A D-Bus a{sv}.
using VariantDict = std::map<std::string, sdbus::Variant>;

// What the daemon knows about a rule beyond its fields, shown in outgoing dicts.
struct RuleFacts {
    std::string source;  // the rules file, or "state" for the daemon's own rules
    std::uint64_t hits = 0;
};

// Reads a rule dict sent by a client. Keys are the rule file's keys; values may be strings,
// booleans, integers of any D-Bus width, arrays of strings or of integers, or one of those
// wrapped in a variant. The read-only keys `source` and `hits` are ignored so a dict from
// GetRule can be sent back. Errors name the field: "field 'colour': unknown key; rule keys
// are id, action, ...". Pure computation; never throws.
Result<RuleDraft> draft_from_dict(const VariantDict& dict);

// The rule as a dict: every field it sets (lists as arrays of strings, pid as u, priority as
// i, log as b, the rest as s) plus `source` (s) and `hits` (t).
VariantDict dict_from_rule(const Rule& rule, const RuleFacts& facts);

}  // namespace sluice
