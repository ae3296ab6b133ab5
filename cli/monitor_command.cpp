#include "cli/monitor_command.hpp"

#include <chrono>
#include <ctime>

#include "cli/bus_loop.hpp"
#include "cli/connection_view.hpp"
#include "cli/daemon_presence.hpp"
#include "cli/firewall_client.hpp"
#include "cli/json_text.hpp"
#include "rules/timestamp.hpp"

namespace sluice::cli {

namespace {

std::string local_clock_time(std::chrono::system_clock::time_point now) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[16];
    const auto length = std::strftime(text, sizeof(text), "%H:%M:%S", &local);
    return std::string(text, length);
}

Object event_object(std::string_view event, std::chrono::system_clock::time_point now) {
    return Object{{"event", std::string(event)}, {"time", format_timestamp(now)}};
}

}  // namespace

int run_monitor(const CommandContext& context) {
    sdbus::IConnection& bus = *context.bus;
    const bool json = context.invocation.json;
    DaemonPresence presence(bus);
    if (!presence.running()) {
        return context.fail(describe_bus_error("org.freedesktop.DBus.Error.NameHasNoOwner", "",
                                               context.bus_target));
    }
    presence.on_change = [&context](const std::string& owner) {
        context.err << "sluicectl: "
                    << (owner.empty() ? "sluiced left the bus; waiting for it to come back"
                                      : "sluiced is back")
                    << std::endl;
    };
    FirewallClient firewall(bus);
    firewall.on_connection_decided = [&context, json](const VariantDict& connection) {
        const auto now = std::chrono::system_clock::now();
        if (json) {
            Object event = event_object("ConnectionDecided", now);
            event.emplace("connection", from_dict(connection));
            context.out << to_json(event) << std::endl;
        } else {
            context.out << decision_line(local_clock_time(now), from_dict(connection)) << std::endl;
        }
    };
    firewall.on_prompt_pending = [&context, json](const std::string& prompt_id,
                                                  const VariantDict& connection) {
        const auto now = std::chrono::system_clock::now();
        if (json) {
            Object event = event_object("PromptPending", now);
            event.emplace("prompt_id", prompt_id);
            event.emplace("connection", from_dict(connection));
            context.out << to_json(event) << std::endl;
        } else {
            context.out << prompt_pending_line(local_clock_time(now), prompt_id,
                                               from_dict(connection))
                        << std::endl;
        }
    };
    auto loop = BusLoop::create(bus);
    if (!loop) {
        return context.fail({kExitError, loop.error().message()});
    }
    // On stderr, so stdout stays pure data; also tells scripts the subscription is in place.
    context.err << "sluicectl: monitoring sluiced on " << context.bus_target.description()
                << " (Ctrl-C to stop)" << std::endl;
    if (auto ran = loop->run(); !ran) {
        return context.fail({kExitError, ran.error().message()});
    }
    return kExitOk;
}

}  // namespace sluice::cli
