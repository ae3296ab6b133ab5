#pragma once

#include <optional>

#include "rules/connection.hpp"
#include "rules/match_rank.hpp"
#include "rules/rule.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

// Whether `rule` decides `connection` at `now`, and with what rank. The single place that
// knows both the match semantics and the specificity of docs/rules.md, so any index that
// preselects candidate rules ranks them by calling this. Pure and thread-safe.
//
// A field the rule names but the connection lacks (no exe, no uid and no user name, no host
// names, no interface, no pid) does not match. Expired rules (expiry <= now) never match.
std::optional<MatchRank> rank_match(const Rule& rule, const Connection& connection, TimePoint now);

}  // namespace sluice
