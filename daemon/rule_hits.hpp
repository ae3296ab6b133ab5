#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "daemon/verdict_pipeline.hpp"

namespace sluice {

// How many connections each rule decided (the `hits` of rule dicts): counts fresh decisions
// by a rule, not packets answered from the flow cache. Bounded by the number of rule ids seen;
// forget() drops a removed rule's count. Queue thread only.
class RuleHits final : public DecisionListener {
  public:
    static constexpr std::size_t kMaxRules = 1'000'000;

    void on_decision(const DecisionRecord& record) override;
    [[nodiscard]] std::uint64_t hits(const std::string& rule_id) const;
    void forget(const std::string& rule_id) { hits_.erase(rule_id); }

  private:
    std::unordered_map<std::string, std::uint64_t> hits_;
};

}  // namespace sluice
