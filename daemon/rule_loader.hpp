#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "rules/diagnostic.hpp"
#include "rules/rule.hpp"
#include "rules/rule_catalog.hpp"
#include "rules/rule_index.hpp"

namespace sluice {

// Rule ids of a set of rule groups, first in load order winning; the pointers live as long as
// the groups.
using RulesById = std::unordered_map<std::string_view, const Rule*>;
std::shared_ptr<const RulesById> rules_by_id(const std::vector<SharedRules>& groups);

// Reads the admin rule files (through its RuleCatalog, which keeps the last good version of a
// broken file) and builds RuleIndex objects, either on the caller's thread (load()) or on its
// worker thread (submit()), so that the thread deciding packets does not parse a million rules
// or wait for their index. Finished background work is announced on ready_fd() (an eventfd,
// readable until take() collected it).
//
// Every index is built from the admin rules of the latest reload and the state rules of the
// request. Requests queued while the worker is busy merge into one: a reload asked by any of
// them is done, the newest state rules are used, and the outcome carries the newest
// generation; outcomes not yet taken merge the same way.
//
// Threads: load(), submit() and take() are called from one owning thread; the worker only
// runs requests. A request's admin groups and state rules are immutable shared data.
class RuleLoader {
    struct Private {
        explicit Private() = default;
    };

  public:
    struct Request {
        std::uint64_t generation = 0;
        bool reload_admin = false;            // read the admin files again
        std::vector<std::string> admin_dirs;  // with reload_admin
        SharedRules state;                    // the state rules, indexed after the admin rules
        // The groups the caller's current index was built from: when the admin groups and
        // `state` come to exactly these, no index is built (Outcome::index stays null).
        std::vector<SharedRules> current;
    };
    struct Outcome {
        std::uint64_t generation = 0;
        bool admin_reloaded = false;
        std::uint64_t admin_version = 0;  // counts the loader's reloads: newer is greater
        Diagnostics diagnostics;          // of the admin files, when reloaded
        std::vector<SharedRules> admin_groups;
        std::shared_ptr<const RulesById> admin_by_id;
        // Admin groups, then the state rules; null when they are the request's `current`.
        std::shared_ptr<const RuleIndex> index;
    };

    // Starts the worker thread; an error when the eventfd cannot be created.
    static Result<std::unique_ptr<RuleLoader>> create();
    RuleLoader(Private /*only create()*/, Fd ready);
    ~RuleLoader();
    RuleLoader(const RuleLoader&) = delete;
    RuleLoader& operator=(const RuleLoader&) = delete;
    RuleLoader(RuleLoader&&) = delete;  // the worker holds `this`
    RuleLoader& operator=(RuleLoader&&) = delete;

    // Runs `request` now on the calling thread; waits for a request the worker is running. The
    // worker runs its requests through this too.
    Outcome load(const Request& request);
    // Queues `request` for the worker (merging it into one still queued).
    void submit(Request request);
    // The finished background outcome (the newest, with the diagnostics of every reload merged
    // into it), or nullopt; clears ready_fd().
    std::optional<Outcome> take();
    [[nodiscard]] int ready_fd() const { return ready_.get(); }

  private:
    void run_worker(const std::stop_token& stop);

    Fd ready_;
    std::mutex catalog_mutex_;  // held while a request runs; guards the next three
    RuleCatalog catalog_;
    std::vector<SharedRules> admin_groups_;
    std::shared_ptr<const RulesById> admin_by_id_;
    std::uint64_t admin_version_ = 0;
    std::mutex mutex_;  // guards queued_ and finished_
    std::condition_variable_any queued_changed_;
    std::optional<Request> queued_;
    std::optional<Outcome> finished_;
    std::jthread worker_;  // last: stopped and joined before the members it uses go
};

}  // namespace sluice
