#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/base/result.hpp"
#include "daemon/clock.hpp"
#include "daemon/rule_loader.hpp"
#include "daemon/rule_store.hpp"
#include "rules/diagnostic.hpp"
#include "rules/rule.hpp"
#include "rules/rule_index.hpp"

namespace sluice {

// The daemon's rules: the admin rule directories (read-only, through the RuleLoader's
// RuleCatalog) plus the state file (RuleStore), and the RuleIndex built from both. Every change
// builds a complete new index aside, sharing the unchanged rules, and publishes it in one
// step: index() then returns it and the on_change callbacks run, which hand it to the verdict
// pipeline. Connections are decided by the old or the new index, never a mix.
//
// Where the work runs: reload() and changes to rule sets of at most `inline_limit` rules run on
// the calling thread (an index of 20,000 rules builds in about 10 ms), so a rule added over
// D-Bus decides the very next connection. reload_in_background() and changes to larger sets
// hand the parsing and the index build to the loader's worker thread: the event loop keeps
// deciding packets with the current index, and the new one is published when
// finish_background_work() runs after background_fd() became readable. rules() and find()
// show a change at once either way.
//
// Thread: owned by the daemon's event loop thread; every method is called there. State
// changes block on the state file's I/O and fsync; a published index is immutable and may be
// read anywhere.
//
// Errors are plain text (errno_value 0): "no rule 'ID'" when find(id) is null, "rule 'ID' is
// in FILE (admin rules are read-only)" for admin rules, a parser message for an invalid rule,
// or the errno text of a failed save. A failed change changes nothing.
class RuleService {
  public:
    static constexpr std::size_t kDefaultInlineLimit = 20'000;

    // Throws std::system_error when the loader's thread or eventfd cannot be had (at start).
    RuleService(std::vector<std::string> admin_dirs, std::string state_path, const Clock& clock,
                std::size_t inline_limit = kDefaultInlineLimit);

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
    // rules. Publishes a new index only when something changed. Runs on the calling thread.
    Diagnostics reload();
    // The same on the worker thread, except the state file (small, and changed by this thread
    // too), whose problems are returned at once. The admin files' problems go to the
    // on_loaded callbacks when the new index is published.
    Diagnostics reload_in_background();
    // Collects finished background work and publishes its index; call when background_fd() is
    // readable.
    void finish_background_work();
    [[nodiscard]] int background_fd() const { return loader_->ready_fd(); }
    // Whether background work is queued or running (its index not published yet).
    [[nodiscard]] bool background_busy() const { return received_ < requested_; }
    // Removes expired state rules (and saves); publishes a new index when any was removed.
    // The daemon calls this from a timer. Returns how many were removed.
    Result<std::size_t> prune_expired(TimePoint now);

    // Never null (empty before the first reload()).
    [[nodiscard]] std::shared_ptr<const RuleIndex> index() const { return index_; }
    // Called after every change that published a new index, on the owning thread.
    void on_change(std::function<void()> callback);
    // Called when a reload_in_background() is complete (its index published), with the
    // problems of the admin files.
    void on_loaded(std::function<void(const Diagnostics&)> callback);

    // New locations take effect at the next reload().
    void set_locations(std::vector<std::string> admin_dirs, std::string state_path);
    [[nodiscard]] const std::vector<std::string>& admin_dirs() const { return admin_dirs_; }
    [[nodiscard]] const std::string& state_path() const { return store_->path(); }
    // Every host_list and ip_list file the current rules name, for the watcher.
    [[nodiscard]] std::vector<std::string> list_files() const;

  private:
    Result<Rule> checked(Rule rule) const;
    Result<void> check_state_rule(const std::string& id) const;
    [[nodiscard]] std::size_t rule_count() const;
    [[nodiscard]] std::vector<SharedRules> all_groups() const;
    // Builds the index of the current admin groups and state rules: inline for small sets,
    // else on the worker.
    void rebuild();
    void apply(RuleLoader::Outcome outcome);
    // Makes `index` (built from `groups`) current unless it holds what the current one does.
    void publish(std::vector<SharedRules> groups, std::shared_ptr<const RuleIndex> index);

    std::vector<std::string> admin_dirs_;
    const Clock& clock_;
    std::size_t inline_limit_;
    std::unique_ptr<RuleStore> store_;
    std::unique_ptr<RuleLoader> loader_;
    // The admin rules of the newest reload, which rules() and find() show.
    std::vector<SharedRules> admin_groups_;
    std::shared_ptr<const RulesById> admin_by_id_;
    std::uint64_t admin_version_ = 0;
    std::vector<SharedRules> published_groups_;  // what index_ was built from
    std::shared_ptr<const RuleIndex> index_;
    std::uint64_t generation_ = 0;  // of the newest change
    std::uint64_t requested_ = 0;   // of the newest change handed to the worker
    std::uint64_t received_ = 0;    // of the newest outcome taken from the worker
    Diagnostics loaded_;            // of background reloads not reported yet
    bool loaded_pending_ = false;
    std::vector<std::function<void()>> callbacks_;
    std::vector<std::function<void(const Diagnostics&)>> loaded_callbacks_;
};

}  // namespace sluice
