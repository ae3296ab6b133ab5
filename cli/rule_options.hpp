#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/bus_value.hpp"
#include "cli/command_line.hpp"
#include "daemon/base/result.hpp"

namespace sluice::cli {

// Builds the a{sv} rule dictionary of spec/dbus.md from the rule field options of `rules add`
// and `rules edit` (--process, --host, ... as in rules/rule_fields.hpp). List fields take
// repeated options and comma-separated values; one value is sent as a string, several as a
// string array. priority is sent as int32, pid as uint32, log as a boolean (bare --log means
// true); every other value as the text given, for the daemon's rule parser to judge, so the
// rules are validated once, by the same code that reads rule files.
Result<VariantDict> rule_dict_from_options(const Invocation& invocation);

// The field names of --unset options, checked against the rule fields ("id" and "action"
// cannot be removed).
Result<std::vector<std::string>> unset_fields(const Invocation& invocation);

// What `rules edit` sends to UpdateRule, which changes the keys it is given and keeps the
// others: `changes`, plus an empty string for each field in `unset` (UpdateRule's way of
// removing a key).
VariantDict rule_changes(VariantDict changes, const std::vector<std::string>& unset);

}  // namespace sluice::cli
