#include "daemon/netfilter/command_runner.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <string>

namespace sluice {
namespace {

using namespace std::chrono_literals;

CommandOutput run_ok(const Command& command, ProcessCommandRunner::Limits limits = {}) {
    ProcessCommandRunner runner(limits);
    auto output = runner.run(command);
    EXPECT_TRUE(output) << output.error().message();
    return output ? *output : CommandOutput{};
}

TEST(ProcessCommandRunner, CapturesStdoutStderrAndExitStatus) {
    const auto output = run_ok({{"sh", "-c", "echo out; echo err >&2; exit 3"}, {}});
    EXPECT_EQ(output.exit_status, 3);
    EXPECT_EQ(output.standard_output, "out\n");
    EXPECT_EQ(output.standard_error, "err\n");
}

TEST(ProcessCommandRunner, FeedsStandardInput) {
    const auto output = run_ok({{"cat"}, "first line\nsecond line\n"});
    EXPECT_EQ(output.exit_status, 0);
    EXPECT_EQ(output.standard_output, "first line\nsecond line\n");
}

TEST(ProcessCommandRunner, LargeInputAndOutputDoNotDeadlock) {
    // Far more than a pipe buffer in both directions at once.
    std::string input;
    for (int i = 0; input.size() < 4u << 20; ++i) {
        input += "line " + std::to_string(i) + "\n";
    }
    const auto output = run_ok({{"cat"}, input});
    EXPECT_EQ(output.exit_status, 0);
    EXPECT_EQ(output.standard_output.size(), input.size());
    EXPECT_EQ(output.standard_output, input);
}

TEST(ProcessCommandRunner, ProgramThatIgnoresItsInputDoesNotHurtUs) {
    // Writing to a reader that has gone would raise SIGPIPE and kill this test process.
    const auto output = run_ok({{"true"}, std::string(8u << 20, 'x')});
    EXPECT_EQ(output.exit_status, 0);
}

TEST(ProcessCommandRunner, ArgumentsReachTheProgramUninterpreted) {
    const auto output = run_ok({{"printf", "%s|", "a b", "$HOME", "*", "'q'"}, {}});
    EXPECT_EQ(output.standard_output, "a b|$HOME|*|'q'|");
}

TEST(ProcessCommandRunner, MissingProgramIsAnErrorNamingIt) {
    ProcessCommandRunner runner;
    const auto output = runner.run({{"sluice-no-such-program", "--flag"}, {}});
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().message(),
              "cannot run `sluice-no-such-program --flag`: No such file or directory");
}

TEST(ProcessCommandRunner, EmptyCommandIsAnError) {
    ProcessCommandRunner runner;
    const auto output = runner.run({});
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().message(), "cannot run an empty command");
}

TEST(ProcessCommandRunner, KilledProgramReportsTheSignalLikeAShell) {
    const auto output = run_ok({{"sh", "-c", "kill -KILL $$"}, {}});
    EXPECT_EQ(output.exit_status, 128 + SIGKILL);
}

TEST(ProcessCommandRunner, SlowProgramIsKilledAtTheTimeout) {
    const auto started = std::chrono::steady_clock::now();
    ProcessCommandRunner runner({.timeout = 300ms});
    const auto output = runner.run({{"sleep", "30"}, {}});
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().message(), "`sleep 30` did not finish within 300 ms; killed");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST(ProcessCommandRunner, OutputBeyondTheLimitIsAnError) {
    ProcessCommandRunner runner({.max_output_bytes = 1000});
    const auto output = runner.run({{"head", "-c", "100000", "/dev/zero"}, {}});
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().message(),
              "`head -c 100000 /dev/zero` wrote more than 1000 bytes of output; killed");
}

TEST(ProcessCommandRunner, ChildStartsWithNoBlockedSignals) {
    // The daemon blocks the signals it reads through signalfd; iptables must not inherit that.
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGHUP);
    sigset_t previous;
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &previous), 0);
    const auto output = run_ok({{"grep", "^SigBlk:", "/proc/self/status"}, {}});
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    EXPECT_EQ(output.standard_output, "SigBlk:\t0000000000000000\n");
}

TEST(Command, DescribesItselfAsItsWords) {
    EXPECT_EQ((Command{{"iptables-restore", "-w", "--noflush"}, "ignored"}).to_string(),
              "iptables-restore -w --noflush");
}

}  // namespace
}  // namespace sluice
