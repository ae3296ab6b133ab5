#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "daemon/netfilter/command_runner.hpp"

namespace sluice::testing {

// Answers commands from a script: each command line has a queue of answers, used in order; the
// last one repeats until another is queued. Every call is recorded with its stdin. Unscripted
// commands exit 127.
class FakeCommandRunner final : public CommandRunner {
  public:
    struct Call {
        std::string command_line;
        std::string standard_input;
    };

    void answer(const std::string& command_line, Result<CommandOutput> output) {
        answers_[command_line].answers.push_back(std::move(output));
    }
    void succeed(const std::string& command_line, std::string standard_output = {}) {
        answer(command_line, CommandOutput{0, std::move(standard_output), {}});
    }
    void fail(const std::string& command_line, int exit_status, std::string standard_error) {
        answer(command_line, CommandOutput{exit_status, {}, std::move(standard_error)});
    }

    Result<CommandOutput> run(const Command& command) override {
        const std::string line = command.to_string();
        calls_.push_back({line, command.standard_input});
        auto found = answers_.find(line);
        if (found == answers_.end()) {
            return CommandOutput{127, {}, "unscripted command: " + line + "\n"};
        }
        auto& script = found->second;
        if (script.front_used && script.answers.size() > 1) {
            script.answers.pop_front();
        }
        script.front_used = true;
        return script.answers.front();
    }

    [[nodiscard]] const std::vector<Call>& calls() const { return calls_; }
    [[nodiscard]] std::vector<std::string> command_lines() const {
        std::vector<std::string> lines;
        for (const auto& call : calls_) {
            lines.push_back(call.command_line);
        }
        return lines;
    }

  private:
    struct Script {
        std::deque<Result<CommandOutput>> answers;
        bool front_used = false;
    };
    std::map<std::string, Script> answers_;
    std::vector<Call> calls_;
};

}  // namespace sluice::testing
