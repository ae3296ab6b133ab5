#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
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

// The lookup tables of a RuleIndex; defined in rule_index.cpp.
struct CompiledRuleTables;

// An immutable, ranked set of rules. Build a new index for every rule change and swap it in
// whole; match() is const and thread-safe, so readers need no lock.
//
// Compiled, not scanned: each rule is filed under the most selective thing it names (pid,
// sha256, exact exe path, host or *.suffix, IP prefix, package, the directory before a process
// glob's first '*', its host or IP list, exact unit, user or group, a few ports, interface), in
// hash tables keyed by that value. A lookup probes each table with what the connection has
// (one probe per label suffix of each host name, per distinct prefix length, per directory of
// the exe) and ranks only the rules found through rank_match(), so its cost does not grow with
// the number of rules; only rules that name none of these are checked one by one. Results are
// exactly those of ranking every rule.
class RuleIndex {
  public:
    // The rules in load order, as one sequence; elements live as long as the index.
    class RuleList {
      public:
        class Iterator {
          public:
            using iterator_category = std::forward_iterator_tag;
            using value_type = Rule;
            using difference_type = std::ptrdiff_t;
            using pointer = const Rule*;
            using reference = const Rule&;

            Iterator() = default;
            explicit Iterator(const Rule* const* at) : at_(at) {}
            reference operator*() const { return **at_; }
            pointer operator->() const { return *at_; }
            Iterator& operator++() {
                ++at_;
                return *this;
            }
            Iterator operator++(int) {
                Iterator before = *this;
                ++at_;
                return before;
            }
            friend bool operator==(const Iterator&, const Iterator&) = default;

          private:
            const Rule* const* at_ = nullptr;
        };

        explicit RuleList(const std::vector<const Rule*>& rules) : rules_(&rules) {}
        const Rule& operator[](std::size_t index) const { return *(*rules_)[index]; }
        [[nodiscard]] std::size_t size() const { return rules_->size(); }
        [[nodiscard]] bool empty() const { return rules_->empty(); }
        [[nodiscard]] Iterator begin() const { return Iterator(rules_->data()); }
        [[nodiscard]] Iterator end() const { return Iterator(rules_->data() + rules_->size()); }

      private:
        const std::vector<const Rule*>* rules_;
    };

    explicit RuleIndex(std::vector<Rule> rules);
    // Ranks the rules of every group, groups in the order given, sharing them instead of
    // copying: a group keeps its rules alive as long as any index built from it. Null groups
    // are skipped.
    explicit RuleIndex(std::vector<SharedRules> groups);
    ~RuleIndex();
    RuleIndex(RuleIndex&&) noexcept;
    RuleIndex& operator=(RuleIndex&&) noexcept;
    RuleIndex(const RuleIndex&) = delete;
    RuleIndex& operator=(const RuleIndex&) = delete;

    // The deciding rule per docs/rules.md (precedence in match_rank.hpp; equal ranks go to the
    // rule loaded first), or nullptr when none matches and the caller applies default_action.
    // The pointer lives as long as the index. Does not allocate.
    [[nodiscard]] const Rule* match(const Connection& connection, TimePoint now) const;
    [[nodiscard]] std::optional<MatchExplanation> explain(const Connection& connection,
                                                          TimePoint now) const;

    [[nodiscard]] std::size_t size() const { return ordered_.size(); }
    [[nodiscard]] RuleList rules() const { return RuleList(ordered_); }
    // How many rules no table could take and every lookup checks one by one.
    [[nodiscard]] std::size_t unkeyed_size() const;
    // Whether any rule names a sha256 or a package: only then must a connection's executable
    // be hashed before it is decided.
    [[nodiscard]] bool names_exe_identity() const { return names_exe_identity_; }

  private:
    std::vector<SharedRules> groups_;
    std::vector<const Rule*> ordered_;  // load order; a rule's position is its ordinal
    std::unique_ptr<const CompiledRuleTables> compiled_;
    bool names_exe_identity_ = false;
};

}  // namespace sluice
