#include "daemon/bus_stack.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/rule_service.hpp"
#include "dbus/bus_names.hpp"

namespace sluice {

namespace {

constexpr const char* kNameOwnerChangedMatch =
    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
    "interface='org.freedesktop.DBus',member='NameOwnerChanged'";

// Parked packets hold slots of the kernel queue (queue.max_len); keep at most a quarter of
// them so new connections always find room.
constexpr std::size_t kMaxParkedPackets = 1024;

}  // namespace

Result<std::unique_ptr<BusStack>> BusStack::start(BusStackParts parts) {
    auto bus = BusConnection::open(parts.config.dbus.bus, parts.logger);
    if (!bus) {
        return bus.error();
    }
    std::unique_ptr<BusStack> stack(new BusStack(std::move(parts), std::move(*bus)));
    if (auto ready = stack->setup(); !ready) {
        return ready.error();
    }
    return stack;
}

BusStack::BusStack(BusStackParts parts, std::unique_ptr<BusConnection> bus)
    : parts_(std::move(parts)), bus_(std::move(bus)) {}

BusStack::~BusStack() {
    if (attached_) {
        parts_.pipeline.set_prompt_gate(nullptr);
        parts_.pipeline.remove_listener(hits_);
        parts_.pipeline.remove_listener(*service_);
    }
    if (deadline_timer_) {
        parts_.loop.unwatch(deadline_timer_.get());
    }
}

PromptSettings BusStack::prompt_settings() const {
    PromptSettings settings;
    settings.timeout = parts_.config.prompt.timeout;
    settings.fallback = parts_.config.prompt.fallback;
    settings.max_parked_packets = std::min<std::size_t>(
        kMaxParkedPackets, std::max<std::size_t>(parts_.config.queue.max_len / 4, 1));
    return settings;
}

Result<void> BusStack::setup() {
    const auto& dbus = parts_.config.dbus;
    try {
        queries_ = std::make_unique<SdbusQueries>(bus_->connection());
    } catch (const sdbus::Error& error) {
        return Error{"cannot set up bus queries: " + error.getMessage()};
    }
    AuthorizationMode mode = AuthorizationMode::kUid;
    if (dbus.authorization == Authorization::kPolkit ||
        (dbus.authorization == Authorization::kAuto && queries_->polkit_available())) {
        mode = AuthorizationMode::kPolkit;
    }
    authorizer_ =
        std::make_unique<Authorizer>(mode, dbus.admin_group, *queries_, system_group_membership);
    gate_ =
        std::make_unique<BusCallGate>(*bus_, *authorizer_, limiter_, parts_.clock, parts_.logger);
    agents_ = std::make_unique<BusPromptAgents>(*bus_, parts_.logger);
    broker_ = std::make_unique<PromptBroker>(prompt_settings(), parts_.clock, *agents_,
                                             static_cast<PromptEffects&>(*this));
    agents_->set_broker(*broker_);

    BusServiceContext context{*bus_,        parts_.config, parts_.rules,  parts_.pipeline,
                              *broker_,     *agents_,      *gate_,        hits_,
                              parts_.clock, parts_.logger, parts_.reload, parts_.connections};
    try {
        service_ = std::make_unique<BusService>(context);
        if (dbus.fw_daemon_compat) {
            fw_service_ = std::make_unique<FwDaemonService>(context, *service_);
        }
        name_watch_ = bus_->connection().addMatch(
            kNameOwnerChangedMatch,
            [this](sdbus::Message& message) { on_name_owner_changed(message); });
    } catch (const sdbus::Error& error) {
        return Error{"cannot serve " + std::string(bus::kObjectPath) + ": " + error.getMessage()};
    }
    agents_->on_prompt_pending([this](const std::string& id, const VariantDict& connection) {
        service_->announce_prompt(id, connection);
    });

    // Names last: a client that sees the name finds every object in place.
    if (auto owned = bus_->request_name(bus::kServiceName); !owned) {
        return owned.error();
    }
    if (dbus.fw_daemon_compat) {
        if (auto owned = bus_->request_name(bus::kFwDaemonName); !owned) {
            return owned.error();
        }
    }

    deadline_timer_ = Fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!deadline_timer_) {
        return Error::from_errno("cannot create the prompt deadline timer");
    }
    if (auto watched = parts_.loop.watch(deadline_timer_.get(), [this] { on_deadline(); });
        !watched) {
        return watched.error();
    }
    if (auto attached = bus_->attach(parts_.loop); !attached) {
        return attached.error();
    }
    parts_.pipeline.set_prompt_gate(broker_.get());
    parts_.pipeline.add_listener(hits_);
    parts_.pipeline.add_listener(*service_);
    attached_ = true;

    scoped_ = std::make_unique<ScopedRules>(
        parts_.rules, parts_.config.rules.state, parts_.loop, parts_.logger,
        [this](const std::string& id) { service_->announce_removed(id); });
    scoped_->drop_stale();
    scoped_->watch_processes();

    if (dbus.fw_daemon_compat) {
        queries_->name_owner(bus::kFwPromptName, [this](std::optional<std::string> owner) {
            if (owner) {
                find_fw_prompter(*owner);
            }
        });
    }
    parts_.logger->info("serving {} on the bus ({} authorization{})", bus::kServiceName,
                        mode == AuthorizationMode::kPolkit ? "polkit" : "uid",
                        dbus.fw_daemon_compat ? ", fw-daemon compatibility" : "");
    return {};
}

void BusStack::find_fw_prompter(const std::string& owner) {
    authorizer_->caller_uid(owner, [this, owner](Result<std::uint32_t> uid) {
        if (uid) {
            agents_->set_fw_prompter(owner, *uid);
        }
    });
}

void BusStack::on_name_owner_changed(sdbus::Message& message) {
    std::string name;
    std::string old_owner;
    std::string new_owner;
    try {
        message >> name >> old_owner >> new_owner;
    } catch (const sdbus::Error&) {
        return;
    }
    if (name == bus::kFwPromptName && fw_service_) {
        if (new_owner.empty()) {
            agents_->set_fw_prompter(std::nullopt, 0);
        } else {
            find_fw_prompter(new_owner);
        }
    }
    if (new_owner.empty() && !name.empty() && name.front() == ':') {
        agents_->sender_gone(name);
        authorizer_->forget(name);
        limiter_.forget(name);
    }
}

void BusStack::on_deadline() {
    std::uint64_t expirations = 0;
    (void)!::read(deadline_timer_.get(), &expirations, sizeof expirations);
    broker_->expire();
}

void BusStack::stop() {
    broker_->decide_all(mark_decision_for(parts_.config.prompt.fallback),
                        DecisionReason::kPromptFallback);
}

void BusStack::apply_config() {
    broker_->set_settings(prompt_settings());
    parts_.pipeline.set_prompt_fallback(parts_.config.prompt.fallback);
}

void BusStack::rules_changed() {
    if (scoped_) {
        scoped_->watch_processes();
    }
}

void BusStack::decide(const ParkedPacket& packet, const FlowKey& flow, const Connection& connection,
                      MarkDecision decision, DecisionReason reason, std::string_view rule_id) {
    parts_.pipeline.decide_parked(packet, flow, connection, decision, reason, rule_id);
}

std::string BusStack::make_rule(const PromptAnswer& answer, const Connection& connection) {
    auto rule = rule_for_answer(answer, connection, parts_.clock.wall_now());
    if (!rule) {
        parts_.logger->warn("prompt answer for {} makes no rule: {}",
                            connection.exe.empty() ? "?" : connection.exe, rule.error().message());
        return {};
    }
    if (!*rule) {
        return {};  // scope once: this connection only
    }
    auto id = service_->add_rule(std::move(**rule));
    if (!id) {
        parts_.logger->error("cannot keep the rule of a prompt answer: {}", id.error().message());
        return {};
    }
    parts_.logger->info("prompt answer: {} {} as rule {}", to_string(answer.action),
                        connection.exe.empty() ? "?" : connection.exe, *id);
    service_->announce_added(*id);
    return *id;
}

void BusStack::flush() {
    parts_.flush_verdicts();
}

void BusStack::schedule(std::optional<std::chrono::steady_clock::time_point> deadline) {
    itimerspec when{};
    if (deadline) {
        // libstdc++'s steady_clock is CLOCK_MONOTONIC, the clock of this timerfd.
        const auto since_boot =
            std::max(deadline->time_since_epoch(), std::chrono::steady_clock::duration(1));
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
        when.it_value.tv_sec = static_cast<time_t>(seconds.count());
        when.it_value.tv_nsec = static_cast<long>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(since_boot - seconds).count());
    }
    if (::timerfd_settime(deadline_timer_.get(), TFD_TIMER_ABSTIME, &when, nullptr) != 0) {
        parts_.logger->error("cannot arm the prompt deadline timer: {}", std::strerror(errno));
    }
}

}  // namespace sluice
