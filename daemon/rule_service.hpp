#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/base/result.hpp"
#include "daemon/clock.hpp"
#include "daemon/rule_store.hpp"
#include "rules/diagnostic.hpp"
#include "rules/rule.hpp"
#include "rules/rule_catalog.hpp"
#include "rules/rule_index.hpp"

namespace sluice {

// The daemon's rules: the admin rule directories (read-only, through RuleCatalog) plus the
// state file (RuleStore), and the RuleIndex built from both. Every change builds a complete
// new index aside, sharing the unchanged rules, and publishes it in one step: index() then
// returns it and the on_change callbacks run, which hand it to the verdict pipeline.
// Connections are decided by the old or the new index, never a mix.
//
// Thread: owned by the daemon's event loop thread; every method is called there. Changes and
// reload() block on file I/O (and fsync for state changes) and on rebuilding the index, about
// a millisecond per thousand rules; a published index is immutable and may be read anywhere.
//
// Errors are plain text (errno_value 0): "no rule 'ID'" when find(id) is null, "rule 'ID' is
// in FILE (admin rules are read-only)" for admin rules, a parser message for an invalid rule,
// or the errno text of a failed save. A failed change changes nothing.
class RuleService {
  public:
    RuleService(std::vector<std::string> admin_dirs, std::string state_path, const Clock& clock);

    // Adds a state rule and returns its id ("state-<16 hex digits>" when it has none). Sets
    // `created` to now when missing; refuses an id any rule already has, and a rule that would
    // not read back from the state file as the same rule (e.g. 'pid' without 'scope: process').
    Result<std::string> add_rule(Rule rule);
    // Replaces the state rule `id`; admin rules are read-only.
    Result<void> update_rule(const std::string& id, Rule rule);
    Result<void> remove_rule(const std::string& id);

    // Admin rules then state rules, in load order (a copy).
    [[nodiscard]] std::vector<Rule> rules() const;
    // The first rule with this id in load order, or nullptr. Valid until the next change.
    [[nodiscard]] const Rule* find(const std::string& id) const;

    // Re-reads the admin files, the lists they name and the state file; files that broke keep
    // their last good rules. Returns every problem found (FILE:LINE:COL). Prunes expired state
    // rules. Publishes a new index only when something changed.
    Diagnostics reload();
    // Removes expired state rules (and saves); publishes a new index when any was removed.
    // The daemon calls this from a timer. Returns how many were removed.
    Result<std::size_t> prune_expired(TimePoint now);

    // Never null (empty before the first reload()).
    [[nodiscard]] std::shared_ptr<const RuleIndex> index() const { return index_; }
    // Called after every change that published a new index, on the owning thread.
    void on_change(std::function<void()> callback);

    // New locations take effect at the next reload().
    void set_locations(std::vector<std::string> admin_dirs, std::string state_path);
    [[nodiscard]] const std::vector<std::string>& admin_dirs() const { return admin_dirs_; }
    [[nodiscard]] const std::string& state_path() const { return store_->path(); }
    // Every host_list and ip_list file the current rules name, for the watcher.
    [[nodiscard]] std::vector<std::string> list_files() const;

  private:
    Result<Rule> checked(Rule rule) const;
    Result<void> check_state_rule(const std::string& id) const;
    void publish();

    std::vector<std::string> admin_dirs_;
    const Clock& clock_;
    RuleCatalog catalog_;
    std::unique_ptr<RuleStore> store_;
    std::vector<SharedRules> published_groups_;
    std::shared_ptr<const RuleIndex> index_;
    std::unordered_map<std::string_view, const Rule*> by_id_;
    std::vector<std::function<void()>> callbacks_;
};

}  // namespace sluice
