#include "cli/daemon_commands.hpp"

#include <array>
#include <string_view>

#include "cli/firewall_client.hpp"
#include "cli/key_value_text.hpp"

namespace sluice::cli {

namespace {

// spec/dbus.md GetStatus keys, in the order people look for them.
constexpr std::array<std::string_view, 10> kStatusOrder = {
    "version", "enabled",         "fail",   "default_action", "rules",
    "agents",  "pending_prompts", "queued", "dropped",        "user_dropped",
};

}  // namespace

int run_status(const CommandContext& context) {
    FirewallClient firewall(*context.bus);
    const Object status = from_dict(firewall.GetStatus());
    if (context.invocation.json) {
        context.print_json(status);
    } else {
        context.out << key_value_text(status, kStatusOrder);
    }
    return kExitOk;
}

int run_set_enabled(const CommandContext& context, bool enabled) {
    FirewallClient firewall(*context.bus);
    firewall.SetEnabled(enabled);
    return kExitOk;
}

int run_reload(const CommandContext& context) {
    FirewallClient firewall(*context.bus);
    firewall.Reload();
    return kExitOk;
}

}  // namespace sluice::cli
