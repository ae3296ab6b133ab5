#include "daemon/fw_daemon_service.hpp"

#include "daemon/rule_service.hpp"

namespace sluice {

namespace {

// go-logging's levels, which fw-daemon reports as log_level.
std::int32_t go_logging_level(LogLevel level) {
    switch (level) {
        case LogLevel::kError:
            return 1;
        case LogLevel::kWarn:
            return 2;
        case LogLevel::kInfo:
            return 4;
        case LogLevel::kDebug:
        case LogLevel::kTrace:
            return 5;
    }
    return 4;
}

template <typename T>
T value_of(const sdbus::Variant& value, const std::string& key, const char* type_name) {
    if (!value.containsValueOfType<T>()) {
        throw sdbus::Error(bus::kErrorInvalidArgs, "config key '" + key + "' takes " + type_name +
                                                       ", not D-Bus type '" +
                                                       value.peekValueType() + "'");
    }
    return value.get<T>();
}

}  // namespace

FwDaemonService::FwDaemonService(BusServiceContext context, BusService& service)
    : AdaptorInterfaces(context.bus.connection(), bus::kFwDaemonPath),
      context_(std::move(context)),
      service_(service) {
    registerAdaptor();
}

FwDaemonService::~FwDaemonService() {
    unregisterAdaptor();
}

std::string FwDaemonService::sender() const {
    const auto* message = getObject().getCurrentlyProcessedMessage();
    return message != nullptr ? message->getSender() : std::string();
}

std::uint32_t FwDaemonService::number_for(const std::string& id) {
    if (const auto found = numbers_.find(id); found != numbers_.end()) {
        return found->second;
    }
    const std::uint32_t number = next_number_++;
    numbers_.emplace(id, number);
    ids_.emplace(number, id);
    return number;
}

std::string FwDaemonService::id_for(std::uint32_t number) const {
    const auto found = ids_.find(number);
    if (found == ids_.end()) {
        throw sdbus::Error(bus::kErrorNotFound, "no rule number " + std::to_string(number));
    }
    return found->second;
}

void FwDaemonService::SetEnabled(sdbus::Result<>&& result, bool enabled) {
    context_.gate.modify<>(sender(), std::move(result), [this, enabled](const auto& reply) {
        service_.set_enabled(enabled);
        reply->returnResults();
    });
}

bool FwDaemonService::IsEnabled() {
    context_.gate.admit(sender());
    return context_.pipeline.enabled();
}

std::vector<FwDaemonRule> FwDaemonService::ListRules() {
    context_.gate.admit(sender());
    std::vector<FwDaemonRule> listed;
    for (const auto& rule : context_.rules.rules()) {
        if (auto converted =
                fw_daemon_rule(number_for(rule.id), rule, service_.is_admin_rule(rule))) {
            listed.push_back(std::move(*converted));
        }
    }
    return listed;
}

void FwDaemonService::DeleteRule(sdbus::Result<>&& result, std::uint32_t id) {
    context_.gate.modify<>(sender(), std::move(result), [this, id](const auto& reply) {
        const std::string rule_id = id_for(id);
        (void)service_.editable_rule(rule_id);
        if (auto removed = context_.rules.remove_rule(rule_id); !removed) {
            throw sdbus::Error(bus::kErrorFailed, removed.error().message());
        }
        reply->returnResults();
        context_.logger->info("rule {} removed over D-Bus (fw-daemon interface)", rule_id);
        service_.announce_removed(rule_id);
    });
}

void FwDaemonService::UpdateRule(sdbus::Result<>&& result, FwDaemonRule rule) {
    context_.gate.modify<>(sender(), std::move(result), [this, rule](const auto& reply) {
        const std::string rule_id = id_for(std::get<0>(rule));
        const Rule& current = service_.editable_rule(rule_id);
        auto draft = apply_fw_daemon_update(current, rule);
        if (!draft) {
            throw sdbus::Error(bus::kErrorInvalidArgs, draft.error().what);
        }
        auto built = build_rule(*draft);
        if (!built) {
            throw sdbus::Error(bus::kErrorInvalidRule, built.error().what);
        }
        if (auto updated = context_.rules.update_rule(rule_id, std::move(*built)); !updated) {
            throw sdbus::Error(bus::kErrorFailed, updated.error().message());
        }
        reply->returnResults();
        context_.logger->info("rule {} changed over D-Bus (fw-daemon interface)", rule_id);
        service_.announce_changed(rule_id);
    });
}

std::map<std::string, sdbus::Variant> FwDaemonService::GetConfig() {
    context_.gate.admit(sender());
    const auto& options = context_.agents.fw_prompt_options();
    std::map<std::string, sdbus::Variant> config;
    config.emplace(
        "log_level",
        sdbus::Variant(log_level_.value_or(go_logging_level(context_.config.log.level))));
    config.emplace("log_redact", sdbus::Variant(log_redact_));
    config.emplace("prompt_expanded", sdbus::Variant(options.expanded));
    config.emplace("prompt_expert", sdbus::Variant(options.expert));
    config.emplace("default_action",
                   sdbus::Variant(static_cast<std::uint16_t>(options.default_scope)));
    return config;
}

void FwDaemonService::SetConfig(sdbus::Result<>&& result, std::string key, sdbus::Variant value) {
    context_.gate.modify<>(sender(), std::move(result), [this, key, value](const auto& reply) {
        FwPromptOptions options = context_.agents.fw_prompt_options();
        if (key == "prompt_expanded") {
            options.expanded = value_of<bool>(value, key, "a boolean");
        } else if (key == "prompt_expert") {
            options.expert = value_of<bool>(value, key, "a boolean");
        } else if (key == "default_action") {
            const auto scope = value_of<std::uint16_t>(value, key, "a uint16 scope 0 to 3");
            if (scope > 3) {
                throw sdbus::Error(bus::kErrorInvalidArgs,
                                   "default_action must be 0 (once) to 3 (forever)");
            }
            options.default_scope = scope;
        } else if (key == "log_level") {
            // Kept for GetConfig only: sluiced's log level comes from its config.
            log_level_ = value_of<std::int32_t>(value, key, "an int32");
        } else if (key == "log_redact") {
            log_redact_ = value_of<bool>(value, key, "a boolean");
        } else {
            throw sdbus::Error(bus::kErrorInvalidArgs,
                               "unknown config key '" + key.substr(0, 64) + "'");
        }
        context_.agents.set_fw_prompt_options(options);
        reply->returnResults();
    });
}

}  // namespace sluice
