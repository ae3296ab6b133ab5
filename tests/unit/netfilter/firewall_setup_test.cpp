#include "daemon/netfilter/firewall_setup.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "tests/unit/netfilter/fake_command_runner.hpp"

namespace sluice {
namespace {

using testing::FakeCommandRunner;
using Lines = std::vector<std::string>;

constexpr std::string_view kEmptyTable = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n";

// The listing `iptables -S` gives after the default plan was installed.
std::string installed_listing(IpFamily family) {
    std::string listing(kEmptyTable);
    listing += "-N SLUICE-FLOW\n-N SLUICE-OUT\n-N SLUICE-VERDICT\n-A OUTPUT -j SLUICE-OUT\n";
    const std::string script = iptables_restore_script(FirewallPlan{}, family);
    std::string_view rest = script;
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const auto line = rest.substr(0, end);
        if (line.starts_with("-A ")) {
            listing += std::string(line) + "\n";
        }
        rest.remove_prefix(end + 1);
    }
    return listing;
}

class FirewallSetupWithFakeTools : public ::testing::Test {
  protected:
    std::shared_ptr<FakeCommandRunner> runner = std::make_shared<FakeCommandRunner>();

    Result<FirewallSetup> install(FirewallTool tool = FirewallTool::kIptables) {
        return FirewallSetup::install(tool, FirewallPlan{}, runner);
    }
};

TEST_F(FirewallSetupWithFakeTools, InstallsEachFamilyInOneRestoreTransaction) {
    runner->succeed("iptables -w -S", std::string(kEmptyTable));
    runner->succeed("iptables-restore -w --noflush");
    runner->succeed("ip6tables -w -S", std::string(kEmptyTable));
    runner->succeed("ip6tables-restore -w --noflush");
    auto setup = install();
    ASSERT_TRUE(setup) << setup.error().message();
    EXPECT_TRUE(setup->active());
    EXPECT_FALSE(setup->ipv6_unavailable());
    EXPECT_EQ(runner->command_lines(),
              (Lines{"iptables -w -S", "iptables-restore -w --noflush", "ip6tables -w -S",
                     "ip6tables-restore -w --noflush"}));
    EXPECT_EQ(runner->calls()[1].standard_input,
              iptables_restore_script(FirewallPlan{}, IpFamily::kIpv4));
    EXPECT_EQ(runner->calls()[3].standard_input,
              iptables_restore_script(FirewallPlan{}, IpFamily::kIpv6));
}

TEST_F(FirewallSetupWithFakeTools, LegacyToolRunsTheLegacyPrograms) {
    runner->succeed("iptables-legacy -w -S", std::string(kEmptyTable));
    runner->succeed("iptables-legacy-restore -w --noflush");
    runner->succeed("ip6tables-legacy -w -S", std::string(kEmptyTable));
    runner->succeed("ip6tables-legacy-restore -w --noflush");
    ASSERT_TRUE(install(FirewallTool::kIptablesLegacy));
    EXPECT_EQ(runner->command_lines(),
              (Lines{"iptables-legacy -w -S", "iptables-legacy-restore -w --noflush",
                     "ip6tables-legacy -w -S", "ip6tables-legacy-restore -w --noflush"}));
}

TEST_F(FirewallSetupWithFakeTools, LeftoversAreReplacedInTheInstallTransaction) {
    const std::string stale = installed_listing(IpFamily::kIpv4) + "-A OUTPUT -j SLUICE-OUT\n";
    runner->succeed("iptables -w -S", stale);
    runner->succeed("iptables-restore -w --noflush");
    runner->succeed("ip6tables -w -S", std::string(kEmptyTable));
    runner->succeed("ip6tables-restore -w --noflush");
    ASSERT_TRUE(install());
    EXPECT_EQ(
        runner->calls()[1].standard_input,
        iptables_restore_script(FirewallPlan{}, IpFamily::kIpv4, find_iptables_leftovers(stale)));
    EXPECT_TRUE(runner->calls()[1].standard_input.starts_with(
        "*filter\n-D OUTPUT -j SLUICE-OUT\n-D OUTPUT -j SLUICE-OUT\n"));
}

TEST_F(FirewallSetupWithFakeTools, MissingIpv6TablesAreAWarningNotAFailure) {
    runner->succeed("iptables -w -S", std::string(kEmptyTable));
    runner->succeed("iptables-restore -w --noflush");
    runner->fail("ip6tables -w -S", 3,
                 "ip6tables v1.8.9 (legacy): can't initialize ip6tables table `filter': Address "
                 "family not supported by protocol\nPerhaps ip6tables or your kernel needs to be "
                 "upgraded.\n");
    auto setup = install();
    ASSERT_TRUE(setup) << setup.error().message();
    ASSERT_TRUE(setup->ipv6_unavailable());
    EXPECT_EQ(setup->ipv6_unavailable()->message(),
              "`ip6tables -w -S` failed with exit status 3: ip6tables v1.8.9 (legacy): can't "
              "initialize ip6tables table `filter': Address family not supported by protocol; "
              "Perhaps ip6tables or your kernel needs to be upgraded.");
    EXPECT_EQ(runner->command_lines(),
              (Lines{"iptables -w -S", "iptables-restore -w --noflush", "ip6tables -w -S"}));

    // Verification and removal leave the family that never got rules alone.
    runner->succeed("iptables -w -S", installed_listing(IpFamily::kIpv4));
    auto intact = setup->verify();
    ASSERT_TRUE(intact) << intact.error().message();
    EXPECT_TRUE(*intact);
    EXPECT_EQ(runner->command_lines().back(), "iptables -w -S");
    EXPECT_TRUE(setup->remove());
}

TEST_F(FirewallSetupWithFakeTools, Ipv6InstallFailureRemovesIpv4AndNamesTheCommand) {
    runner->succeed("iptables -w -S", std::string(kEmptyTable));
    runner->succeed("iptables -w -S", installed_listing(IpFamily::kIpv4));
    runner->succeed("iptables-restore -w --noflush");
    runner->succeed("ip6tables -w -S", std::string(kEmptyTable));
    runner->fail("ip6tables-restore -w --noflush", 2,
                 "ip6tables-restore v1.8.9 (legacy): Couldn't load target `NFQUEUE':No such file "
                 "or directory\n\nError occurred at line: 8\n");
    auto setup = install();
    ASSERT_FALSE(setup);
    EXPECT_EQ(setup.error().message(),
              "`ip6tables-restore -w --noflush` failed with exit status 2: ip6tables-restore "
              "v1.8.9 (legacy): Couldn't load target `NFQUEUE':No such file or directory; Error "
              "occurred at line: 8");
    const auto& calls = runner->calls();
    ASSERT_GE(calls.size(), 6u);
    EXPECT_EQ(calls[4].command_line, "iptables -w -S");
    EXPECT_EQ(calls[5].command_line, "iptables-restore -w --noflush");
    EXPECT_EQ(calls[5].standard_input,
              "*filter\n-D OUTPUT -j SLUICE-OUT\n-F SLUICE-FLOW\n-F SLUICE-OUT\n-F "
              "SLUICE-VERDICT\n-X SLUICE-FLOW\n-X SLUICE-OUT\n-X SLUICE-VERDICT\nCOMMIT\n");
}

TEST_F(FirewallSetupWithFakeTools, Ipv4FailureIsAnErrorWithCommandAndStderr) {
    runner->fail("iptables -w -S", 4,
                 "iptables v1.8.9 (nf_tables): Could not fetch rule set "
                 "generation id: Permission denied (you must be root)\n");
    auto setup = install();
    ASSERT_FALSE(setup);
    EXPECT_EQ(setup.error().message(),
              "`iptables -w -S` failed with exit status 4: iptables v1.8.9 (nf_tables): Could "
              "not fetch rule set generation id: Permission denied (you must be root)");
    EXPECT_EQ(runner->command_lines(), (Lines{"iptables -w -S"}));
}

TEST_F(FirewallSetupWithFakeTools, ProgramThatCannotRunIsReportedAsSuch) {
    runner->answer("iptables -w -S", Error{"cannot run `iptables -w -S`", ENOENT});
    auto setup = install();
    ASSERT_FALSE(setup);
    EXPECT_EQ(setup.error().message(), "cannot run `iptables -w -S`: No such file or directory");
}

TEST_F(FirewallSetupWithFakeTools, FailureWithoutErrorOutputSaysSo) {
    runner->fail("iptables -w -S", 1, "\n");
    auto setup = install();
    ASSERT_FALSE(setup);
    EXPECT_EQ(setup.error().message(),
              "`iptables -w -S` failed with exit status 1: (no error output)");
}

TEST_F(FirewallSetupWithFakeTools, VerifyComparesEachFamilysListing) {
    runner->succeed("iptables -w -S", std::string(kEmptyTable));
    runner->succeed("iptables-restore -w --noflush");
    runner->succeed("ip6tables -w -S", std::string(kEmptyTable));
    runner->succeed("ip6tables-restore -w --noflush");
    auto setup = install();
    ASSERT_TRUE(setup);
    runner->succeed("iptables -w -S", installed_listing(IpFamily::kIpv4));
    runner->succeed("ip6tables -w -S", installed_listing(IpFamily::kIpv4));  // wrong REJECT type
    auto intact = setup->verify();
    ASSERT_TRUE(intact);
    EXPECT_FALSE(*intact);
    runner->succeed("ip6tables -w -S", installed_listing(IpFamily::kIpv6));
    intact = setup->verify();
    ASSERT_TRUE(intact);
    EXPECT_TRUE(*intact);
}

TEST_F(FirewallSetupWithFakeTools, ReleasedSetupRemovesNothing) {
    runner->succeed("iptables -w -S", std::string(kEmptyTable));
    runner->succeed("iptables-restore -w --noflush");
    runner->succeed("ip6tables -w -S", std::string(kEmptyTable));
    runner->succeed("ip6tables-restore -w --noflush");
    auto setup = install();
    ASSERT_TRUE(setup);
    setup->release();
    const auto calls_before = runner->calls().size();
    EXPECT_TRUE(setup->remove());
    EXPECT_EQ(runner->calls().size(), calls_before);
    EXPECT_FALSE(setup->active());
    const auto intact = setup->verify();
    ASSERT_FALSE(intact);
    EXPECT_EQ(intact.error().message(), "the firewall rules are not installed by this process");
}

TEST_F(FirewallSetupWithFakeTools, MovedFromSetupHoldsNothing) {
    runner->succeed("iptables -w -S", std::string(kEmptyTable));
    runner->succeed("iptables-restore -w --noflush");
    runner->succeed("ip6tables -w -S", std::string(kEmptyTable));
    runner->succeed("ip6tables-restore -w --noflush");
    auto setup = install();
    ASSERT_TRUE(setup);
    FirewallSetup moved = std::move(*setup);
    EXPECT_TRUE(moved.active());
    EXPECT_FALSE(setup->active());  // NOLINT(bugprone-use-after-move): checking the moved-from
}

TEST_F(FirewallSetupWithFakeTools, NftablesLoadsTheRulesetAndVerifiesAgainstItsListing) {
    const std::string listing = "table inet sluice {\n\tchain sluice_output {\n\t}\n}\n";
    runner->succeed("nft -f -");
    runner->succeed("nft list table inet sluice", listing);
    auto setup = install(FirewallTool::kNftables);
    ASSERT_TRUE(setup) << setup.error().message();
    EXPECT_EQ(runner->calls()[0].standard_input, nftables_ruleset(FirewallPlan{}));

    auto intact = setup->verify();
    ASSERT_TRUE(intact);
    EXPECT_TRUE(*intact);

    runner->succeed("nft list table inet sluice", listing + "\n");
    intact = setup->verify();
    ASSERT_TRUE(intact);
    EXPECT_FALSE(*intact);

    runner->fail("nft list table inet sluice", 1,
                 "Error: No such file or directory\nlist table inet sluice\n");
    runner->succeed("nft list tables inet", "table inet filter\n");
    intact = setup->verify();
    ASSERT_TRUE(intact);
    EXPECT_FALSE(*intact);

    ASSERT_TRUE(setup->remove());
    EXPECT_EQ(runner->calls().back().command_line, "nft -f -");
    EXPECT_EQ(runner->calls().back().standard_input, nftables_removal_script());
}

TEST_F(FirewallSetupWithFakeTools, NftablesRejectedRulesetIsAnError) {
    runner->fail("nft -f -", 1,
                 "/dev/stdin:7:16-20: Error: Could not process rule: No such file or directory\n"
                 "\t\tct state new queue num 4242 bypass\n"
                 "\t\t             ^^^^^\n");
    auto setup = install(FirewallTool::kNftables);
    ASSERT_FALSE(setup);
    EXPECT_EQ(setup.error().message(),
              "`nft -f -` failed with exit status 1: /dev/stdin:7:16-20: Error: Could not process "
              "rule: No such file or directory; ct state new queue num 4242 bypass; ^^^^^");
}

TEST(ResolveFirewallTool, ExplicitBackendsNeedNoLookup) {
    const auto nothing_installed = [](std::string_view) { return false; };
    EXPECT_EQ(resolve_firewall_tool("iptables", nothing_installed), FirewallTool::kIptables);
    EXPECT_EQ(resolve_firewall_tool("iptables-legacy", nothing_installed),
              FirewallTool::kIptablesLegacy);
    EXPECT_EQ(resolve_firewall_tool("nftables", nothing_installed), FirewallTool::kNftables);
}

TEST(ResolveFirewallTool, AutoPrefersIptablesThenLegacyThenNft) {
    const auto only = [](const std::set<std::string_view>& installed) {
        return [installed](std::string_view program) { return installed.contains(program); };
    };
    EXPECT_EQ(resolve_firewall_tool("auto", only({"iptables", "iptables-legacy", "nft"})),
              FirewallTool::kIptables);
    EXPECT_EQ(resolve_firewall_tool("auto", only({"iptables-legacy", "nft"})),
              FirewallTool::kIptablesLegacy);
    EXPECT_EQ(resolve_firewall_tool("auto", only({"nft"})), FirewallTool::kNftables);
    EXPECT_EQ(resolve_firewall_tool("auto", only({})), std::nullopt);
}

TEST(ResolveFirewallTool, NoneAndUnknownNamesResolveToNothing) {
    EXPECT_EQ(resolve_firewall_tool("none"), std::nullopt);
    EXPECT_EQ(resolve_firewall_tool("firewalld"), std::nullopt);
}

TEST(ResolveFirewallTool, FindsProgramsOnThisMachine) {
    EXPECT_TRUE(program_is_installed("sh"));
    EXPECT_TRUE(program_is_installed("/bin/sh"));
    EXPECT_FALSE(program_is_installed("sluice-no-such-program"));
    EXPECT_FALSE(program_is_installed(""));
}

TEST(FirewallTool, Names) {
    EXPECT_EQ(to_string(FirewallTool::kIptables), "iptables");
    EXPECT_EQ(to_string(FirewallTool::kIptablesLegacy), "iptables-legacy");
    EXPECT_EQ(to_string(FirewallTool::kNftables), "nftables");
}

}  // namespace
}  // namespace sluice
