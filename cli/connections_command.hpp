#pragma once

#include "cli/command_context.hpp"

namespace sluice::cli {

// connections: ListConnections as a table, or a JSON list of connection objects.
int run_connections(const CommandContext& context);

}  // namespace sluice::cli
