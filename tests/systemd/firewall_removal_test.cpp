#include "daemon/firewall_removal.hpp"

#include <gtest/gtest.h>

#include <set>

#include "daemon/netfilter/firewall_ruleset.hpp"
#include "tests/unit/netfilter/fake_command_runner.hpp"

namespace sluice {
namespace {

using testing::FakeCommandRunner;

const std::string kClosedLeftovers =
    "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N SLUICE-FLOW\n-N SLUICE-OUT\n"
    "-N SLUICE-VERDICT\n-A OUTPUT -j SLUICE-OUT\n"
    "-A SLUICE-OUT -m conntrack --ctstate NEW -j NFQUEUE --queue-num 4242\n";
const std::string kClean = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n";

auto installed(std::set<std::string> programs) {
    return [programs = std::move(programs)](std::string_view program) {
        return programs.contains(std::string(program));
    };
}

TEST(FirewallRemoval, RemovesChainsOfEveryIptablesFamilyThatHasThem) {
    FakeCommandRunner runner;
    runner.succeed("iptables -w -S", kClosedLeftovers);
    runner.succeed("ip6tables -w -S", kClean);
    runner.succeed("iptables-restore -w --noflush");
    const auto report = remove_all_firewall_rules(runner, installed({"iptables", "ip6tables"}));

    EXPECT_EQ(runner.command_lines(), (std::vector<std::string>{
                                          "iptables -w -S",
                                          "iptables-restore -w --noflush",
                                          "ip6tables -w -S",
                                      }));
    EXPECT_EQ(runner.calls()[1].standard_input,
              iptables_removal_script(find_iptables_leftovers(kClosedLeftovers)));
    EXPECT_EQ(report.removed, std::vector<std::string>{
                                  "iptables: SLUICE-FLOW, SLUICE-OUT, SLUICE-VERDICT, 1 jump"});
    EXPECT_TRUE(report.errors.empty());
    EXPECT_TRUE(report.skipped.empty());
}

TEST(FirewallRemoval, LooksAtLegacyTablesAndNftablesToo) {
    FakeCommandRunner runner;
    for (const char* program : {"iptables", "ip6tables", "ip6tables-legacy"}) {
        runner.succeed(std::string(program) + " -w -S", kClean);
    }
    runner.succeed("iptables-legacy -w -S", kClosedLeftovers);
    runner.succeed("iptables-legacy-restore -w --noflush");
    runner.succeed("nft list tables inet", "table inet filter\ntable inet sluice\n");
    runner.succeed("nft -f -");
    const auto report = remove_all_firewall_rules(
        runner, installed({"iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy", "nft"}));

    EXPECT_EQ(report.removed,
              (std::vector<std::string>{
                  "iptables-legacy: SLUICE-FLOW, SLUICE-OUT, SLUICE-VERDICT, 1 jump",
                  "nft: table inet sluice",
              }));
    EXPECT_EQ(runner.calls().back().standard_input, nftables_removal_script());
    EXPECT_TRUE(report.errors.empty());
}

TEST(FirewallRemoval, NothingToRemoveRunsOnlyListings) {
    FakeCommandRunner runner;
    runner.succeed("iptables -w -S", kClean);
    runner.succeed("nft list tables inet", "table inet filter\n");
    const auto report = remove_all_firewall_rules(runner, installed({"iptables", "nft"}));
    EXPECT_EQ(runner.command_lines(),
              (std::vector<std::string>{"iptables -w -S", "nft list tables inet"}));
    EXPECT_TRUE(report.removed.empty());
    EXPECT_TRUE(report.errors.empty());
}

TEST(FirewallRemoval, UnlistableTableIsSkippedAndFailedRemovalIsAnError) {
    FakeCommandRunner runner;
    runner.succeed("iptables -w -S", kClosedLeftovers);
    runner.fail("iptables-restore -w --noflush", 4, "iptables-restore: line 2 failed\n");
    runner.fail("ip6tables -w -S", 3, "ip6tables v1.8.9: can't initialize ip6tables table\n");
    const auto report = remove_all_firewall_rules(runner, installed({"iptables", "ip6tables"}));
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_EQ(report.errors[0].message(),
              "`iptables-restore -w --noflush` failed with exit status 4: iptables-restore: line 2 "
              "failed");
    EXPECT_EQ(report.skipped,
              std::vector<std::string>{"`ip6tables -w -S` failed with exit status 3: ip6tables "
                                       "v1.8.9: can't initialize ip6tables table"});
    EXPECT_TRUE(report.removed.empty());
}

}  // namespace
}  // namespace sluice
