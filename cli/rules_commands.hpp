#pragma once

#include "cli/command_context.hpp"

namespace sluice::cli {

// rules list: ListRules as a table, or a JSON list of rule objects.
int run_rules_list(const CommandContext& context);
// rules show ID: GetRule as "key: value" lines, or one JSON object.
int run_rules_show(const CommandContext& context);
// rules add: AddRule; prints the new id (JSON: {"id": ...}).
int run_rules_add(const CommandContext& context);
// rules rm ID...: RemoveRule for each id in turn, stopping at the first error.
int run_rules_remove(const CommandContext& context);
// rules edit ID: UpdateRule with the given fields; the daemon keeps the others.
int run_rules_edit(const CommandContext& context);
// rules check FILE...: no bus; exit 1 when any file has a problem.
int run_rules_check(const CommandContext& context);

}  // namespace sluice::cli
