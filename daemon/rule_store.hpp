#pragma once

#include <cstddef>
#include <string>

#include "daemon/base/result.hpp"
#include "rules/diagnostic.hpp"
#include "rules/rule.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

// The state rules file (config rules.state): rules made by prompt answers and D-Bus edits.
// Every change is written to disk before it counts: the whole file is written to a temporary
// file in the same directory, fsync'ed, the previous version is kept as "<path>.bak" (a hard
// link, so it is that complete file), the new file is renamed over the old one and the
// directory is fsync'ed. Killed at any instant, the file on disk is one complete version.
//
// Owned by one thread (the daemon's event loop); every method may block on file I/O and
// fsync. Errors come back as Result with the errno text and what was attempted; a failed
// change leaves both the file and the rules in memory as they were.
class RuleStore {
  public:
    explicit RuleStore(std::string path);

    // Reads the file; a missing file is no rules. Removes temporary files an interrupted save
    // left behind. When the file has problems, returns them, keeps the rules it had (its last
    // good version; none at first) and refuses changes until a load is clean, so a hand edit
    // with a typo cannot be overwritten and lost.
    Diagnostics load();

    // Adds a rule, giving it the id "state-" and 16 random hex digits when it has none (or
    // only a generated FILE#N one). Fails when its id is taken by another state rule. Returns
    // the id.
    Result<std::string> add(Rule rule);
    // Replaces the rule `id` (the new rule keeps that id; giving another one is an error).
    Result<void> update(const std::string& id, Rule rule);
    Result<void> remove(const std::string& id);
    // Removes the rules expired at `now` (Rule::expired_at) and saves if there were any.
    // Returns how many were removed; does nothing while the file has problems.
    Result<std::size_t> prune_expired(TimePoint now);

    // The rules, each with its source in the file. Never null; replaced (not modified) by
    // every change, so a caller can tell a change by comparing pointers.
    [[nodiscard]] const SharedRules& rules() const { return rules_; }
    [[nodiscard]] const Rule* find(const std::string& id) const;
    [[nodiscard]] const std::string& path() const { return path_; }
    // False after a load that found problems: changes are refused.
    [[nodiscard]] bool writable() const { return writable_; }

  private:
    Result<void> check_writable() const;
    // Saves `rules` and makes them current, pointing each rule's source at its line.
    Result<void> commit(std::vector<Rule> rules);

    std::string path_;
    SharedRules rules_;
    bool writable_ = true;
    // Identity of the bytes last loaded or saved, so a reload after our own save (inotify
    // sees it) changes nothing.
    std::size_t content_size_ = 0;
    std::size_t content_hash_ = 0;
    bool content_known_ = false;
};

}  // namespace sluice
