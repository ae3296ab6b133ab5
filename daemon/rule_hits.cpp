#include "daemon/rule_hits.hpp"

namespace sluice {

void RuleHits::on_decision(const DecisionRecord& record) {
    if (record.rule_id.empty() || record.reason != DecisionReason::kRule) {
        return;
    }
    const std::string id(record.rule_id);
    if (const auto found = hits_.find(id); found != hits_.end()) {
        ++found->second;
        return;
    }
    if (hits_.size() >= kMaxRules) {
        // Only reachable after a million distinct rules came and went: start counting afresh.
        hits_.clear();
    }
    hits_.emplace(id, 1);
}

std::uint64_t RuleHits::hits(const std::string& rule_id) const {
    const auto found = hits_.find(rule_id);
    return found == hits_.end() ? 0 : found->second;
}

}  // namespace sluice
