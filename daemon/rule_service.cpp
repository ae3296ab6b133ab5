#include "daemon/rule_service.hpp"

#include <set>
#include <system_error>

#include "rules/rule_parser.hpp"
#include "rules/rule_writer.hpp"

namespace sluice {

namespace {

std::unique_ptr<RuleLoader> started_loader() {
    auto loader = RuleLoader::create();
    if (!loader) {
        throw std::system_error(loader.error().errno_value, std::generic_category(),
                                loader.error().message());
    }
    return std::move(*loader);
}

}  // namespace

RuleService::RuleService(std::vector<std::string> admin_dirs, std::string state_path,
                         const Clock& clock, std::size_t inline_limit)
    : admin_dirs_(std::move(admin_dirs)),
      clock_(clock),
      inline_limit_(inline_limit),
      store_(std::make_unique<RuleStore>(std::move(state_path))),
      loader_(started_loader()),
      admin_by_id_(std::make_shared<const RulesById>()),
      index_(std::make_shared<const RuleIndex>(std::vector<Rule>{})) {}

void RuleService::set_locations(std::vector<std::string> admin_dirs, std::string state_path) {
    admin_dirs_ = std::move(admin_dirs);
    if (state_path != store_->path()) {
        store_ = std::make_unique<RuleStore>(std::move(state_path));
    }
}

// What the state file would hold must load back as the same rule; parsing the written rule
// also applies every check of the parser (pid only with scope process, lists readable...).
Result<Rule> RuleService::checked(Rule rule) const {
    if (!rule.created) {
        rule.created = std::chrono::floor<std::chrono::seconds>(clock_.wall_now());
    }
    Diagnostics diagnostics;
    auto read = parse_rules(to_yaml({rule}), store_->path(), diagnostics);
    if (!diagnostics.empty()) {
        return Error{"invalid rule: " + diagnostics.front().message};
    }
    if (read.size() != 1 || !same_definition(read.front(), rule)) {
        return Error{"invalid rule: it does not read back from a rules file as given"};
    }
    return std::move(read.front());
}

Result<void> RuleService::check_state_rule(const std::string& id) const {
    if (store_->find(id) != nullptr) {
        return {};
    }
    if (const Rule* admin = find(id)) {
        return Error{"rule '" + id + "' is in " + admin->source.file +
                     " (admin rules are read-only)"};
    }
    return Error{"no rule '" + id + "'"};
}

Result<std::string> RuleService::add_rule(Rule rule) {
    if (!rule.id.empty() && !rule.id_generated) {
        if (const Rule* taken = find(rule.id)) {
            return Error{"rule id '" + rule.id + "' is already used in " + taken->source.file};
        }
    }
    auto valid = checked(std::move(rule));
    if (!valid) {
        return valid.error();
    }
    auto id = store_->add(std::move(*valid));
    if (id) {
        rebuild();
    }
    return id;
}

Result<void> RuleService::update_rule(const std::string& id, Rule rule) {
    if (auto state = check_state_rule(id); !state) {
        return state;
    }
    if (rule.id.empty() || rule.id_generated) {
        rule.id = id;
        rule.id_generated = false;
    }
    if (!rule.created) {
        rule.created = store_->find(id)->created;  // a changed rule is still as old as it was
    }
    auto valid = checked(std::move(rule));
    if (!valid) {
        return valid.error();
    }
    auto updated = store_->update(id, std::move(*valid));
    if (updated) {
        rebuild();
    }
    return updated;
}

Result<void> RuleService::remove_rule(const std::string& id) {
    if (auto state = check_state_rule(id); !state) {
        return state;
    }
    auto removed = store_->remove(id);
    if (removed) {
        rebuild();
    }
    return removed;
}

std::vector<SharedRules> RuleService::all_groups() const {
    auto groups = admin_groups_;
    groups.push_back(store_->rules());
    return groups;
}

std::size_t RuleService::rule_count() const {
    std::size_t count = 0;
    for (const auto& group : all_groups()) {
        count += group ? group->size() : 0;
    }
    return count;
}

std::vector<Rule> RuleService::rules() const {
    std::vector<Rule> rules;
    rules.reserve(rule_count());
    for (const auto& group : all_groups()) {
        if (group) {
            rules.insert(rules.end(), group->begin(), group->end());
        }
    }
    return rules;
}

const Rule* RuleService::find(const std::string& id) const {
    if (const auto found = admin_by_id_->find(id); found != admin_by_id_->end()) {
        return found->second;
    }
    return store_->find(id);
}

namespace {

// Reads the state file again and drops its expired rules; the problems, if any.
Diagnostics reload_state(RuleStore& store, TimePoint now) {
    Diagnostics diagnostics = store.load();
    if (auto pruned = store.prune_expired(now); !pruned) {
        diagnostics.push_back(Diagnostic{store.path(), 0, 0, pruned.error().message()});
    }
    return diagnostics;
}

}  // namespace

Diagnostics RuleService::reload() {
    const auto state = reload_state(*store_, clock_.wall_now());
    auto outcome =
        loader_->load({++generation_, true, admin_dirs_, store_->rules(), published_groups_});
    Diagnostics diagnostics = outcome.diagnostics;
    diagnostics.insert(diagnostics.end(), state.begin(), state.end());
    apply(std::move(outcome));
    return diagnostics;
}

Diagnostics RuleService::reload_in_background() {
    auto state = reload_state(*store_, clock_.wall_now());
    requested_ = ++generation_;
    loader_->submit({generation_, true, admin_dirs_, store_->rules(), published_groups_});
    return state;
}

void RuleService::finish_background_work() {
    if (auto outcome = loader_->take()) {
        received_ = outcome->generation;
        if (outcome->admin_reloaded) {
            loaded_.insert(loaded_.end(), outcome->diagnostics.begin(), outcome->diagnostics.end());
            loaded_pending_ = true;
        }
        apply(std::move(*outcome));
    }
    if (loaded_pending_ && !background_busy()) {
        const Diagnostics diagnostics = std::move(loaded_);
        loaded_ = {};
        loaded_pending_ = false;
        for (const auto& callback : loaded_callbacks_) {
            callback(diagnostics);
        }
    }
}

void RuleService::apply(RuleLoader::Outcome outcome) {
    if (outcome.admin_reloaded && outcome.admin_version > admin_version_) {
        admin_version_ = outcome.admin_version;
        admin_groups_ = std::move(outcome.admin_groups);
        admin_by_id_ = std::move(outcome.admin_by_id);
    }
    if (outcome.generation == generation_) {
        // Built from the admin rules just taken and the state rules unchanged since. Nothing
        // has been published since the request either (that takes a change), so a null index
        // means these are the groups of the current one.
        if (outcome.index) {
            publish(all_groups(), std::move(outcome.index));
        }
    } else if (outcome.admin_reloaded && requested_ <= outcome.generation) {
        // State changes made since were published inline with the older admin rules.
        rebuild();
    }
}

Result<std::size_t> RuleService::prune_expired(TimePoint now) {
    auto removed = store_->prune_expired(now);
    if (removed && *removed > 0) {
        rebuild();
    }
    return removed;
}

void RuleService::on_change(std::function<void()> callback) {
    callbacks_.push_back(std::move(callback));
}

void RuleService::on_loaded(std::function<void(const Diagnostics&)> callback) {
    loaded_callbacks_.push_back(std::move(callback));
}

std::vector<std::string> RuleService::list_files() const {
    std::set<std::string> paths;
    for (const auto& group : all_groups()) {
        if (!group) {
            continue;
        }
        for (const auto& rule : *group) {
            if (!rule.host_list_path.empty()) {
                paths.insert(rule.host_list_path);
            }
            if (!rule.ip_list_path.empty()) {
                paths.insert(rule.ip_list_path);
            }
        }
    }
    return {paths.begin(), paths.end()};
}

void RuleService::rebuild() {
    ++generation_;
    if (rule_count() > inline_limit_) {
        requested_ = generation_;
        loader_->submit({generation_, false, {}, store_->rules(), published_groups_});
        return;
    }
    auto groups = all_groups();
    auto index = std::make_shared<const RuleIndex>(groups);
    publish(std::move(groups), std::move(index));
}

void RuleService::publish(std::vector<SharedRules> groups, std::shared_ptr<const RuleIndex> index) {
    if (groups == published_groups_) {
        return;  // nothing changed: keep the index connections are decided by
    }
    published_groups_ = std::move(groups);
    index_ = std::move(index);
    for (const auto& callback : callbacks_) {
        callback();
    }
}

}  // namespace sluice
