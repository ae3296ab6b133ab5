#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "daemon/base/result.hpp"

namespace sluice {

// A program to run without a shell: argv[0] is looked up in PATH.
struct Command {
    std::vector<std::string> argv;
    std::string standard_input;  // written to the program's stdin, which is then closed

    // The argv joined by spaces, for messages.
    [[nodiscard]] std::string to_string() const;
};

struct CommandOutput {
    int exit_status = 0;  // the exit code, or 128 + signal number when killed, as shells show
    std::string standard_output;
    std::string standard_error;
};

// Runs helper programs (iptables, nft) for the firewall setup; an interface so that the setup
// is unit-tested with a fake. run() blocks the calling thread until the program has ended: call
// it from the main thread at start-up, reload and stop, never from the queue thread.
class CommandRunner {
  public:
    CommandRunner() = default;
    virtual ~CommandRunner() = default;
    CommandRunner(const CommandRunner&) = delete;
    CommandRunner& operator=(const CommandRunner&) = delete;
    CommandRunner(CommandRunner&&) = delete;
    CommandRunner& operator=(CommandRunner&&) = delete;

    // An Error only when the program could not be run to its end (not found, not startable,
    // too slow, too much output); a non-zero exit status is an ordinary CommandOutput.
    virtual Result<CommandOutput> run(const Command& command) = 0;
};

// Spawns the program with posix_spawn: default signal dispositions, empty signal mask, only
// fds 0-2 inherited (everything else of ours is close-on-exec), the daemon's environment.
class ProcessCommandRunner final : public CommandRunner {
  public:
    struct Limits {
        // iptables -w waits for the xtables lock without a bound: this is the bound.
        std::chrono::milliseconds timeout{30'000};
        std::size_t max_output_bytes = 16u << 20;  // stdout and stderr each
    };

    ProcessCommandRunner() = default;
    explicit ProcessCommandRunner(Limits limits) : limits_(limits) {}

    Result<CommandOutput> run(const Command& command) override;

  private:
    Limits limits_;
};

}  // namespace sluice
