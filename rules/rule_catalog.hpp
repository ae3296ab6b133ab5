#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.hpp"
#include "rules/list_cache.hpp"
#include "rules/rule.hpp"

namespace sluice {

// The rules of all admin rule directories plus the state file, kept across reloads so that a
// file which breaks keeps contributing its last good rules (Kea-style: a new set is built
// aside and replaces the old one only when complete). A file whose bytes, and those of every
// list it names, are unchanged since the last load keeps its rules without being parsed again
// (compared by size and a 64-bit hash), so a reload after editing one file of many costs one
// file's parse and no second copy of the others. Not thread-safe: one owner (the daemon's
// reload path) calls load() and groups(), then builds a RuleIndex from the result.
class RuleCatalog {
  public:
    explicit RuleCatalog(ListFileReader read_list = read_list_file);

    // Reads every "*.yaml" file (not hidden, regular or a link to one) of each dir in byte
    // order of the names, dirs in the order given, then `state_path` (none when empty). A
    // missing dir or state file is empty, not an error; a path that exists but is not a
    // readable directory is. A file with any problem contributes the rules it had at the last
    // load where it was clean (none if never), and its diagnostics are returned. Returns every
    // problem found. Blocks on file I/O.
    Diagnostics load(const std::vector<std::string>& dirs, const std::string& state_path);

    // All rules in load order: dirs' files first, the state file last.
    [[nodiscard]] std::vector<Rule> rules() const;
    // The same rules, one shared group per file, for RuleIndex. A file unchanged since the
    // previous load has the very same group pointer as before.
    [[nodiscard]] std::vector<SharedRules> groups() const;

  private:
    struct ListDependency {
        std::string path;
        bool host_list = false;  // else an ip_list
        std::size_t content_size = 0;
        std::size_t content_hash = 0;
    };
    struct FileRules {
        std::string path;
        SharedRules rules;
        std::size_t content_size = 0;
        std::size_t content_hash = 0;
        std::vector<ListDependency> lists;
    };

    bool unchanged(const FileRules& file, std::string_view text);
    FileRules parsed_file(const std::string& path, std::string_view text, std::vector<Rule> rules);

    ListCache lists_;
    std::vector<FileRules> files_;
};

}  // namespace sluice
