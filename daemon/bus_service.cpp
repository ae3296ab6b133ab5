#include "daemon/bus_service.hpp"

#include <fmt/format.h>
#include <sdbus-c++/Error.h>

#include <fstream>
#include <random>
#include <sstream>

#include "daemon/decision_log.hpp"
#include "daemon/rule_service.hpp"
#include "dbus/bus_names.hpp"
#include "dbus/connection_dict.hpp"
#include "dbus/quoted.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

namespace {

sdbus::Error error(const char* name, const std::string& message) {
    return sdbus::Error(name, message);
}

struct QueueStats {
    std::uint32_t queued = 0;
    std::uint32_t dropped = 0;
    std::uint32_t user_dropped = 0;
};

// The kernel's counters for our queue: /proc/net/netfilter/nfnetlink_queue has one row per
// bound queue ("number portid queued copy_mode copy_range queue_dropped user_dropped id 1").
QueueStats read_queue_stats(std::uint16_t queue_number) {
    QueueStats stats;
    std::ifstream file("/proc/net/netfilter/nfnetlink_queue");
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream fields(line);
        unsigned number = 0;
        unsigned portid = 0;
        unsigned copy_mode = 0;
        unsigned copy_range = 0;
        if (fields >> number >> portid >> stats.queued >> copy_mode >> copy_range >>
                stats.dropped >> stats.user_dropped &&
            number == queue_number) {
            return stats;
        }
    }
    return QueueStats{};
}

}  // namespace

BusService::BusService(BusServiceContext context)
    : AdaptorInterfaces(context.bus.connection(), bus::kObjectPath),
      context_(std::move(context)),
      decided_signals_({kDecidedSignalsPerSecond, kDecidedSignalsPerSecond},
                       context_.clock.steady_now()) {
    registerAdaptor();
}

BusService::~BusService() {
    unregisterAdaptor();
}

std::string BusService::sender() const {
    const auto* message = getObject().getCurrentlyProcessedMessage();
    return message != nullptr ? message->getSender() : std::string();
}

std::string BusService::source_of(const Rule& rule) const {
    return rule.source.file == context_.config.rules.state ? std::string("state")
                                                           : rule.source.file;
}

bool BusService::is_admin_rule(const Rule& rule) const {
    return rule.source.file != context_.config.rules.state;
}

VariantDict BusService::rule_dict(const std::string& id) const {
    const Rule* rule = context_.rules.find(id);
    if (rule == nullptr) {
        return {};
    }
    return dict_from_rule(*rule, RuleFacts{source_of(*rule), context_.hits.hits(rule->id)});
}

const Rule& BusService::editable_rule(const std::string& id) const {
    const Rule* rule = context_.rules.find(id);
    if (rule == nullptr) {
        throw error(bus::kErrorNotFound, "no rule " + quoted(id));
    }
    if (is_admin_rule(*rule)) {
        throw error(bus::kErrorAccessDenied, "rule " + quoted(id) + " is in " + rule->source.file +
                                                 " (admin rules are read-only)");
    }
    return *rule;
}

Result<std::string> BusService::add_rule(Rule rule) {
    if (rule.id.empty() || rule.id_generated) {
        // The rule service reads an id-less rule back through a rules file before it names
        // it, so name it here, in the state store's own format.
        std::random_device random;
        do {
            rule.id = fmt::format("state-{:08x}{:08x}", random(), random());
        } while (context_.rules.find(rule.id) != nullptr);
        rule.id_generated = false;
    }
    return context_.rules.add_rule(std::move(rule));
}

std::vector<std::map<std::string, sdbus::Variant>> BusService::ListRules() {
    admit();
    std::vector<std::map<std::string, sdbus::Variant>> dicts;
    for (const auto& rule : context_.rules.rules()) {
        dicts.push_back(
            dict_from_rule(rule, RuleFacts{source_of(rule), context_.hits.hits(rule.id)}));
    }
    return dicts;
}

std::map<std::string, sdbus::Variant> BusService::GetRule(const std::string& id) {
    admit();
    auto dict = rule_dict(id);
    if (dict.empty()) {
        throw error(bus::kErrorNotFound, "no rule " + quoted(id));
    }
    return dict;
}

void BusService::AddRule(sdbus::Result<std::string>&& result,
                         std::map<std::string, sdbus::Variant> rule) {
    context_.gate.modify<std::string>(
        sender(), std::move(result), [this, dict = std::move(rule)](const auto& reply) {
            auto draft = draft_from_dict(dict);
            if (!draft) {
                throw error(bus::kErrorInvalidRule, draft.error().what);
            }
            if (draft->find(RuleField::kCreated) == nullptr) {
                draft->set(RuleField::kCreated, format_timestamp(context_.clock.wall_now()));
            }
            auto built = build_rule(*draft);
            if (!built) {
                throw error(bus::kErrorInvalidRule, built.error().what);
            }
            if (!built->id.empty() && context_.rules.find(built->id) != nullptr) {
                throw error(bus::kErrorInvalidRule,
                            "field 'id': rule id " + quoted(built->id) + " is already used");
            }
            auto id = add_rule(std::move(*built));
            if (!id) {
                throw error(bus::kErrorFailed, id.error().message());
            }
            reply->returnResults(*id);
            context_.logger->info("rule {} added over D-Bus", *id);
            announce_added(*id);
        });
}

void BusService::UpdateRule(sdbus::Result<>&& result, std::string id,
                            std::map<std::string, sdbus::Variant> rule) {
    context_.gate.modify<>(
        sender(), std::move(result),
        [this, id = std::move(id), dict = std::move(rule)](const auto& reply) {
            const Rule& current = editable_rule(id);
            auto changes = draft_from_dict(dict);
            if (!changes) {
                throw error(bus::kErrorInvalidRule, changes.error().what);
            }
            // Keys given replace the rule's; an empty string or list removes that key.
            RuleDraft draft = draft_from_rule(current);
            for (const auto& entry : changes->entries()) {
                const auto* text = std::get_if<std::string>(&entry.value);
                const auto* strings = std::get_if<std::vector<std::string>>(&entry.value);
                const auto* numbers = std::get_if<std::vector<std::int64_t>>(&entry.value);
                if (entry.field == RuleField::kId) {
                    if (text == nullptr || *text != id) {
                        throw error(bus::kErrorInvalidRule,
                                    "field 'id': a rule's id cannot be changed");
                    }
                    continue;
                }
                if ((text != nullptr && text->empty()) ||
                    (strings != nullptr && strings->empty()) ||
                    (numbers != nullptr && numbers->empty())) {
                    draft.erase(entry.field);
                } else {
                    draft.set(entry.field, entry.value);
                }
            }
            auto built = build_rule(draft);
            if (!built) {
                throw error(bus::kErrorInvalidRule, built.error().what);
            }
            if (auto updated = context_.rules.update_rule(id, std::move(*built)); !updated) {
                throw error(bus::kErrorFailed, updated.error().message());
            }
            reply->returnResults();
            context_.logger->info("rule {} changed over D-Bus", id);
            announce_changed(id);
        });
}

void BusService::RemoveRule(sdbus::Result<>&& result, std::string id) {
    context_.gate.modify<>(sender(), std::move(result),
                           [this, id = std::move(id)](const auto& reply) {
                               (void)editable_rule(id);
                               if (auto removed = context_.rules.remove_rule(id); !removed) {
                                   throw error(bus::kErrorFailed, removed.error().message());
                               }
                               reply->returnResults();
                               context_.logger->info("rule {} removed over D-Bus", id);
                               announce_removed(id);
                           });
}

std::vector<std::map<std::string, sdbus::Variant>> BusService::ListConnections() {
    admit();
    return context_.connections ? context_.connections()
                                : std::vector<std::map<std::string, sdbus::Variant>>{};
}

std::map<std::string, sdbus::Variant> BusService::GetStatus() {
    admit();
    const auto& counters = context_.pipeline.counters();
    const auto& prompts = context_.broker.counters();
    const QueueStats queue = read_queue_stats(context_.config.queue.number);
    const auto index = context_.rules.index();
    VariantDict status;
    status.emplace("version", sdbus::Variant(std::string(SLUICE_VERSION)));
    status.emplace("enabled", sdbus::Variant(context_.pipeline.enabled()));
    status.emplace("fail", sdbus::Variant(std::string(to_string(context_.config.fail))));
    status.emplace("default_action",
                   sdbus::Variant(std::string(to_string(context_.config.default_action))));
    status.emplace("queue",
                   sdbus::Variant(static_cast<std::uint32_t>(context_.config.queue.number)));
    status.emplace("queued", sdbus::Variant(queue.queued));
    status.emplace("dropped", sdbus::Variant(queue.dropped));
    status.emplace("user_dropped", sdbus::Variant(queue.user_dropped));
    status.emplace("packets", sdbus::Variant(counters.packets));
    status.emplace("allowed", sdbus::Variant(counters.allowed));
    status.emplace("denied", sdbus::Variant(counters.denied));
    status.emplace("rejected", sdbus::Variant(counters.rejected));
    status.emplace("allowed_disabled", sdbus::Variant(counters.allowed_disabled));
    status.emplace("rules", sdbus::Variant(static_cast<std::uint32_t>(index ? index->size() : 0)));
    status.emplace("agents",
                   sdbus::Variant(static_cast<std::uint32_t>(context_.agents.agent_count())));
    status.emplace("pending_prompts",
                   sdbus::Variant(static_cast<std::uint32_t>(context_.broker.pending_prompts())));
    status.emplace("parked_packets",
                   sdbus::Variant(static_cast<std::uint32_t>(context_.broker.parked_packets())));
    status.emplace("prompts", sdbus::Variant(prompts.prompts));
    status.emplace("prompt_timeouts", sdbus::Variant(prompts.timed_out));
    status.emplace("prompt_full", sdbus::Variant(prompts.full));
    status.emplace("busy_replies", sdbus::Variant(context_.gate.busy_replies()));
    status.emplace("authorization",
                   sdbus::Variant(std::string(
                       context_.gate.mode() == AuthorizationMode::kPolkit ? "polkit" : "uid")));
    return status;
}

void BusService::set_enabled(bool enabled) {
    if (enabled == context_.pipeline.enabled()) {
        return;
    }
    context_.pipeline.set_enabled(enabled);
    if (!enabled) {
        // Nobody should wait for an answer that no longer matters.
        context_.broker.decide_all(MarkDecision::kAllowDisabled, DecisionReason::kDisabled);
    }
    context_.logger->warn("filtering switched {} over D-Bus", enabled ? "on" : "off");
    getObject().emitPropertiesChangedSignal(bus::kInterface, {"Enabled"});
}

void BusService::SetEnabled(sdbus::Result<>&& result, bool enabled) {
    context_.gate.modify<>(sender(), std::move(result), [this, enabled](const auto& reply) {
        set_enabled(enabled);
        reply->returnResults();
    });
}

void BusService::Reload(sdbus::Result<>&& result) {
    context_.gate.modify<>(sender(), std::move(result), [this](const auto& reply) {
        context_.reload();
        reply->returnResults();
    });
}

void BusService::RegisterAgent(sdbus::Result<>&& result, sdbus::ObjectPath path) {
    const std::string caller = sender();
    context_.gate.identify(
        caller, std::move(result),
        [this, caller, path = std::string(path)](const auto& reply, std::uint32_t uid) {
            if (auto added = context_.agents.register_agent(Agent{caller, path, uid}); !added) {
                throw error(bus::kErrorBusy, added.error().message());
            }
            reply->returnResults();
        });
}

void BusService::UnregisterAgent(const sdbus::ObjectPath& path) {
    admit();
    if (!context_.agents.unregister_agent(sender(), path)) {
        throw error(bus::kErrorNotFound, "this client has no agent at " + quoted(path));
    }
}

std::string BusService::Version() {
    return SLUICE_VERSION;
}

bool BusService::Enabled() {
    return context_.pipeline.enabled();
}

std::string BusService::DefaultAction() {
    return std::string(to_string(context_.config.default_action));
}

std::string BusService::Fail() {
    return std::string(to_string(context_.config.fail));
}

void BusService::announce_added(const std::string& id) {
    try {
        emitRuleAdded(id, rule_dict(id));
    } catch (const sdbus::Error& failure) {
        context_.logger->debug("cannot emit RuleAdded: {}", failure.getMessage());
    }
    context_.bus.refresh();
}

void BusService::announce_changed(const std::string& id) {
    try {
        emitRuleChanged(id, rule_dict(id));
    } catch (const sdbus::Error& failure) {
        context_.logger->debug("cannot emit RuleChanged: {}", failure.getMessage());
    }
    context_.bus.refresh();
}

void BusService::announce_removed(const std::string& id) {
    context_.hits.forget(id);
    try {
        emitRuleRemoved(id);
    } catch (const sdbus::Error& failure) {
        context_.logger->debug("cannot emit RuleRemoved: {}", failure.getMessage());
    }
    context_.bus.refresh();
}

void BusService::announce_prompt(const std::string& prompt_id, const VariantDict& connection) {
    try {
        emitPromptPending(prompt_id, connection);
    } catch (const sdbus::Error& failure) {
        context_.logger->debug("cannot emit PromptPending: {}", failure.getMessage());
    }
    context_.bus.refresh();
}

void BusService::on_decision(const DecisionRecord& record) {
    if (record.reason == DecisionReason::kFlowCache ||
        record.reason == DecisionReason::kUnparsable) {
        return;
    }
    if (!decided_signals_.allow(context_.clock.steady_now())) {
        ++decided_signals_dropped_;
        return;
    }
    try {
        VariantDict dict = connection_dict(record.connection);
        add_decision(dict, to_string(record.decision), record.rule_id, to_string(record.reason));
        emitConnectionDecided(dict);
    } catch (const sdbus::Error& failure) {
        context_.logger->debug("cannot emit ConnectionDecided: {}", failure.getMessage());
    }
    context_.bus.refresh();
}

}  // namespace sluice
