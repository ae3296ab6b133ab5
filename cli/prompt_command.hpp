#pragma once

#include "cli/command_context.hpp"

namespace sluice::cli {

// prompt: serves org.sluice.PromptAgent1 at /org/sluice/PromptAgent1/sluicectl, registers it
// with RegisterAgent, and answers each pending connection from the terminal (stdin) until
// Ctrl-C, SIGTERM or end of input; then unregisters. Re-registers when sluiced restarts.
int run_prompt(const CommandContext& context);

}  // namespace sluice::cli
