#pragma once

#include "cli/command_context.hpp"

namespace sluice::cli {

// monitor: one line per ConnectionDecided and PromptPending signal (JSON lines with --json),
// flushed as it comes, until Ctrl-C or SIGTERM (exit 0). Fails at once when sluiced is not
// running; later stops and starts of sluiced are reported on stderr and followed.
int run_monitor(const CommandContext& context);

}  // namespace sluice::cli
