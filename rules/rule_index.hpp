#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "rules/connection.hpp"
#include "rules/match_rank.hpp"
#include "rules/rule.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

// Why a rule decided a connection, for logs and `sluicectl explain`.
struct MatchExplanation {
    const Rule* rule = nullptr;  // the deciding rule, owned by the index
    MatchRank rank;
    std::size_t matching_rules = 0;   // how many rules matched at all
    const Rule* runner_up = nullptr;  // the best rule it beat, if any
    std::optional<MatchRank> runner_up_rank;

    // "rule 'a' (FILE:LINE:COL) decides with priority 0, program, deny/reject; it beat
    // rule 'b' (FILE:LINE:COL) with priority 0, allow; 2 rules matched".
    [[nodiscard]] std::string to_string() const;
};

// An immutable, ranked set of rules. Build a new index for every rule change and swap it in
// whole; match() is const and thread-safe, so readers need no lock. The current implementation
// scans every rule through rank_match(); a compiled index that preselects candidates can
// replace the scan behind this interface without changing results.
class RuleIndex {
  public:
    explicit RuleIndex(std::vector<Rule> rules);

    // The deciding rule per docs/rules.md (precedence in match_rank.hpp; equal ranks go to the
    // rule loaded first), or nullptr when none matches and the caller applies default_action.
    // The pointer lives as long as the index.
    [[nodiscard]] const Rule* match(const Connection& connection, TimePoint now) const;
    [[nodiscard]] std::optional<MatchExplanation> explain(const Connection& connection,
                                                          TimePoint now) const;

    [[nodiscard]] std::size_t size() const { return rules_.size(); }
    [[nodiscard]] const std::vector<Rule>& rules() const { return rules_; }

  private:
    std::vector<Rule> rules_;
};

}  // namespace sluice
