#pragma once

#include <string>
#include <vector>

#include "rules/rule.hpp"

namespace sluice {

// Writes rules as a rules file (docs/rules.md) that parse_rules() reads back to the same rules
// (same_definition()), ids included, so state rules keep their ids across restarts. Every
// string is double-quoted with YAML escapes, so no comment or path can change the structure.
// Fields at their defaults are left out. The rules must be valid as the parser defines them
// (e.g. `pid` only with scope process); an invalid rule is written as it is and then fails
// to parse, which is why RuleService checks a rule by writing and reading it before saving.
// Pure; never throws except std::bad_alloc.
std::string to_yaml(const std::vector<Rule>& rules);

// Same, and fills `rule_lines` with the 1-based line on which each rule's mapping starts (at
// column 5), so a caller that saves the text as FILE can point each rule's source there.
std::string to_yaml(const std::vector<Rule>& rules, std::vector<int>& rule_lines);

}  // namespace sluice
