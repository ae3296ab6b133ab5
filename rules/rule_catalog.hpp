#pragma once

#include <string>
#include <vector>

#include "rules/diagnostic.hpp"
#include "rules/rule.hpp"

namespace sluice {

// The rules of all admin rule directories plus the state file, kept across reloads so that a
// file which breaks keeps contributing its last good rules (Kea-style: a new set is built
// aside and replaces the old one only when complete). Not thread-safe: one owner (the
// daemon's reload path) calls load() and rules(), then builds a RuleIndex from the result.
class RuleCatalog {
  public:
    // Reads every "*.yaml" file (not hidden, regular or a link to one) of each dir in byte
    // order of the names, dirs in the order given, then `state_path`. A missing dir or state
    // file is empty, not an error; a path that exists but is not a readable directory is.
    // A file with any problem contributes the rules it had at the last load where it was
    // clean (none if never), and its diagnostics are returned. Returns every problem found.
    // Blocks on file I/O.
    Diagnostics load(const std::vector<std::string>& dirs, const std::string& state_path);

    // All rules in load order: dirs' files first, the state file last.
    [[nodiscard]] std::vector<Rule> rules() const;

  private:
    struct FileRules {
        std::string path;
        std::vector<Rule> rules;
    };
    std::vector<FileRules> files_;
};

}  // namespace sluice
