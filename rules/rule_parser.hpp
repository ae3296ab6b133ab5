#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.hpp"
#include "rules/list_cache.hpp"
#include "rules/rule.hpp"

namespace sluice {

inline constexpr std::size_t kMaxRuleFileBytes = std::size_t{16} * 1024 * 1024;
inline constexpr std::size_t kMaxRulesPerFile = 100'000;

// Parses a rules file ("rules:" and a list of rules, see docs/rules.md) and the host/ip list
// files its rules name. Every problem is appended to `diagnostics` as FILE:LINE:COL (list
// problems at the list file's own positions), all of them, not just the first. A rule with
// any problem is left out of the result; a caller that sees new diagnostics must treat the
// whole file as broken. Rules without an `id` get "BASENAME#N", N counting rules from 1.
// Never throws; may block reading list files, so call it off the queue thread.
std::vector<Rule> parse_rules(std::string_view yaml_text, const std::string& file_name,
                              Diagnostics& diagnostics);
std::vector<Rule> parse_rules(std::string_view yaml_text, const std::string& file_name,
                              Diagnostics& diagnostics, const ListFileReader& read_list);
// Takes the list files from `lists`, which shares them with other files and later loads. The
// caller brackets a whole load with lists.begin_load() and lists.end_load().
std::vector<Rule> parse_rules(std::string_view yaml_text, const std::string& file_name,
                              Diagnostics& diagnostics, ListCache& lists);

// Reads `path` (at most kMaxRuleFileBytes) and parses it; an unreadable file is one
// diagnostic at position 0:0.
std::vector<Rule> load_rule_file(const std::string& path, Diagnostics& diagnostics);

}  // namespace sluice
