#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "daemon/base/result.hpp"
#include "rules/rule.hpp"
#include "rules/rule_fields.hpp"
#include "rules/rule_parser.hpp"

namespace sluice {

// A rule field's value as a client sent it, before any validation.
using DraftValue = std::variant<std::string, std::int64_t, bool, std::vector<std::string>,
                                std::vector<std::int64_t>>;

// Bounds on what one client-supplied rule may carry, so a huge D-Bus message cannot make the
// daemon render and parse megabytes of YAML.
inline constexpr std::size_t kMaxDraftBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxDraftListItems = 1024;

// A rule as field/value pairs (D-Bus dicts, prompt answers, fw-daemon updates all produce
// one). build_rule() turns it into a Rule with the rule file parser itself, so every way of
// making a rule gets the same validation and the same messages. Pure computation.
class RuleDraft {
  public:
    struct Entry {
        RuleField field;
        DraftValue value;
    };

    // Replaces an earlier value of the same field, keeping its place.
    void set(RuleField field, DraftValue value);
    void erase(RuleField field);
    [[nodiscard]] const DraftValue* find(RuleField field) const;
    [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }

  private:
    std::vector<Entry> entries_;
};

// The draft as a rules file with one rule, each field on its own line (line 2 onwards) so a
// diagnostic's line names the field. Strings are double-quoted with every character that YAML
// could read as structure escaped. Fails on invalid UTF-8 or when over the bounds above.
Result<std::string> render_rule_yaml(const RuleDraft& draft);

// Validates and builds the rule. Errors read "field 'port': 'port' is 70000, out of range 0 to
// 65535" (several joined with "; "). A draft without `id` gives a rule with an empty id, for
// the rule store to assign. `read_list` reads host_list/ip_list files (may block).
Result<Rule> build_rule(const RuleDraft& draft, const ListFileReader& read_list);
Result<Rule> build_rule(const RuleDraft& draft);

// Every field of `rule` as a draft that build_rule turns back into an equal rule.
RuleDraft draft_from_rule(const Rule& rule);

}  // namespace sluice
