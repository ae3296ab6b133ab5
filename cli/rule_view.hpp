#pragma once

#include <string>
#include <vector>

#include "cli/value.hpp"

namespace sluice::cli {

// "what the rule matches" in one cell: the rule's match fields as key=value in rule-file
// order, lists joined with ",", fields at their default (direction out, priority 0, scope
// forever, log false) left out; "any" when the rule names nothing.
std::string match_summary(const Object& rule);

// `rules list`: ID, ACTION, MATCH, SOURCE, HITS.
std::string rules_table(const std::vector<Object>& rules);

// `rules show`: every key of the rule, rule-file order first, then source, created, hits.
std::string rule_details(const Object& rule);

}  // namespace sluice::cli
