#include "rules/rule_index.hpp"

#include "rules/rule_matcher.hpp"

namespace sluice {

namespace {

std::string describe(const Rule& rule) {
    return "rule '" + rule.id + "' (" + rule.source.to_string() + ")";
}

}  // namespace

std::string MatchExplanation::to_string() const {
    if (rule == nullptr) {
        return "no rule matched";
    }
    std::string out = describe(*rule) + " decides with " + sluice::to_string(rank);
    if (runner_up != nullptr && runner_up_rank) {
        out += "; it beat " + describe(*runner_up) + " with " + sluice::to_string(*runner_up_rank);
    }
    return out + "; " + std::to_string(matching_rules) +
           (matching_rules == 1 ? " rule matched" : " rules matched");
}

RuleIndex::RuleIndex(std::vector<Rule> rules) : rules_(std::move(rules)) {}

const Rule* RuleIndex::match(const Connection& connection, TimePoint now) const {
    const Rule* best = nullptr;
    MatchRank best_rank;
    for (const auto& rule : rules_) {
        const auto rank = rank_match(rule, connection, now);
        // Strictly greater: on a tie the rule loaded first stays.
        if (rank && (best == nullptr || *rank > best_rank)) {
            best = &rule;
            best_rank = *rank;
        }
    }
    return best;
}

std::optional<MatchExplanation> RuleIndex::explain(const Connection& connection,
                                                   TimePoint now) const {
    MatchExplanation explanation;
    for (const auto& rule : rules_) {
        const auto rank = rank_match(rule, connection, now);
        if (!rank) {
            continue;
        }
        ++explanation.matching_rules;
        if (explanation.rule == nullptr || *rank > explanation.rank) {
            explanation.runner_up = explanation.rule;
            if (explanation.rule != nullptr) {
                explanation.runner_up_rank = explanation.rank;
            }
            explanation.rule = &rule;
            explanation.rank = *rank;
        } else if (!explanation.runner_up_rank || *rank > *explanation.runner_up_rank) {
            explanation.runner_up = &rule;
            explanation.runner_up_rank = *rank;
        }
    }
    if (explanation.rule == nullptr) {
        return std::nullopt;
    }
    return explanation;
}

}  // namespace sluice
