#include "daemon/rule_service.hpp"

#include <set>

#include "rules/rule_parser.hpp"
#include "rules/rule_writer.hpp"

namespace sluice {

RuleService::RuleService(std::vector<std::string> admin_dirs, std::string state_path,
                         const Clock& clock)
    : admin_dirs_(std::move(admin_dirs)),
      clock_(clock),
      store_(std::make_unique<RuleStore>(std::move(state_path))),
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
        publish();
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
        publish();
    }
    return updated;
}

Result<void> RuleService::remove_rule(const std::string& id) {
    if (auto state = check_state_rule(id); !state) {
        return state;
    }
    auto removed = store_->remove(id);
    if (removed) {
        publish();
    }
    return removed;
}

std::vector<Rule> RuleService::rules() const {
    const auto list = index_->rules();
    return std::vector<Rule>(list.begin(), list.end());
}

const Rule* RuleService::find(const std::string& id) const {
    const auto found = by_id_.find(id);
    return found == by_id_.end() ? nullptr : found->second;
}

Diagnostics RuleService::reload() {
    Diagnostics diagnostics = catalog_.load(admin_dirs_, "");
    const auto state = store_->load();
    diagnostics.insert(diagnostics.end(), state.begin(), state.end());
    if (auto pruned = store_->prune_expired(clock_.wall_now()); !pruned) {
        diagnostics.push_back(Diagnostic{store_->path(), 0, 0, pruned.error().message()});
    }
    auto groups = catalog_.groups();
    groups.push_back(store_->rules());
    if (groups != published_groups_) {
        publish();
    }
    return diagnostics;
}

Result<std::size_t> RuleService::prune_expired(TimePoint now) {
    auto removed = store_->prune_expired(now);
    if (removed && *removed > 0) {
        publish();
    }
    return removed;
}

void RuleService::on_change(std::function<void()> callback) {
    callbacks_.push_back(std::move(callback));
}

std::vector<std::string> RuleService::list_files() const {
    std::set<std::string> paths;
    for (const auto& rule : index_->rules()) {
        if (!rule.host_list_path.empty()) {
            paths.insert(rule.host_list_path);
        }
        if (!rule.ip_list_path.empty()) {
            paths.insert(rule.ip_list_path);
        }
    }
    return {paths.begin(), paths.end()};
}

void RuleService::publish() {
    published_groups_ = catalog_.groups();
    published_groups_.push_back(store_->rules());
    index_ = std::make_shared<const RuleIndex>(published_groups_);
    by_id_.clear();
    for (const auto& rule : index_->rules()) {
        by_id_.emplace(rule.id, &rule);
    }
    for (const auto& callback : callbacks_) {
        callback();
    }
}

}  // namespace sluice
