#include "cli/connections_command.hpp"

#include "cli/connection_view.hpp"
#include "cli/firewall_client.hpp"

namespace sluice::cli {

int run_connections(const CommandContext& context) {
    FirewallClient firewall(*context.bus);
    const auto connections = from_dicts(firewall.ListConnections());
    if (context.invocation.json) {
        context.print_json(Value::List(connections.begin(), connections.end()));
    } else {
        context.out << connections_table(connections);
    }
    return kExitOk;
}

}  // namespace sluice::cli
