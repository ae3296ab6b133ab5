#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/Error.h>

#include "cli/command_context.hpp"
#include "cli/connections_command.hpp"
#include "cli/daemon_commands.hpp"
#include "cli/help_text.hpp"
#include "cli/monitor_command.hpp"
#include "cli/prompt_command.hpp"
#include "cli/rules_commands.hpp"

namespace {

using sluice::cli::Command;
using sluice::cli::CommandContext;

int dispatch(const CommandContext& context) {
    switch (context.invocation.command) {
        case Command::kHelp:
            context.out << sluice::cli::help_text();
            return sluice::cli::kExitOk;
        case Command::kVersion:
            context.out << sluice::cli::version_text();
            return sluice::cli::kExitOk;
        case Command::kStatus:
            return run_status(context);
        case Command::kRulesList:
            return run_rules_list(context);
        case Command::kRulesShow:
            return run_rules_show(context);
        case Command::kRulesAdd:
            return run_rules_add(context);
        case Command::kRulesRemove:
            return run_rules_remove(context);
        case Command::kRulesEdit:
            return run_rules_edit(context);
        case Command::kRulesCheck:
            return run_rules_check(context);
        case Command::kConnections:
            return run_connections(context);
        case Command::kMonitor:
            return run_monitor(context);
        case Command::kPrompt:
            return run_prompt(context);
        case Command::kEnable:
            return run_set_enabled(context, true);
        case Command::kDisable:
            return run_set_enabled(context, false);
        case Command::kReload:
            return run_reload(context);
    }
    return sluice::cli::kExitError;
}

bool needs_daemon(Command command) {
    return command != Command::kHelp && command != Command::kVersion &&
           command != Command::kRulesCheck;
}

int fail(const std::string& message) {
    std::cerr << "sluicectl: " << message << '\n';
    return sluice::cli::kExitError;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
    auto invocation = sluice::cli::parse_command_line(arguments);
    if (!invocation) {
        return fail(invocation.error().message());
    }
    auto bus_target = sluice::cli::choose_bus_target(invocation->bus, std::getenv("SLUICE_BUS"));
    if (!bus_target) {
        return fail(bus_target.error().message());
    }
    std::unique_ptr<sdbus::IConnection> bus;
    if (needs_daemon(invocation->command)) {
        try {
            bus = sluice::cli::connect_bus(*bus_target);
        } catch (const sdbus::Error& error) {
            const auto failure =
                sluice::cli::describe_connect_error(error.getMessage(), *bus_target);
            return fail(failure.message);
        }
    }
    const CommandContext context{*invocation, *bus_target, bus.get(), std::cout, std::cerr};
    try {
        return dispatch(context);
    } catch (const sdbus::Error& error) {
        return context.fail(
            sluice::cli::describe_bus_error(error.getName(), error.getMessage(), *bus_target));
    }
}
