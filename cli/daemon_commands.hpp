#pragma once

#include "cli/command_context.hpp"

namespace sluice::cli {

// status: GetStatus as "key: value" lines (or one JSON object).
int run_status(const CommandContext& context);
// enable / disable: SetEnabled. Prints nothing.
int run_set_enabled(const CommandContext& context, bool enabled);
// reload: Reload. Prints nothing.
int run_reload(const CommandContext& context);

}  // namespace sluice::cli
