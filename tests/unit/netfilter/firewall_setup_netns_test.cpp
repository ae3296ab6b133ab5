// Installs, checks and removes real rules with the system's iptables, ip6tables and nft. Each
// test first moves this process into a network namespace of its own, so the host's rules are
// never read or changed; the namespace and its rules vanish when the test process ends. Needs
// root: CI runs as root, so a missing privilege is a failure, not a skip.
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "daemon/netfilter/firewall_setup.hpp"

namespace sluice {
namespace {

ino_t network_namespace_inode() {
    struct stat status {};
    return ::stat("/proc/thread-self/ns/net", &status) == 0 ? status.st_ino : 0;
}

class InPrivateNetworkNamespace : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "these tests change netfilter rules and must run as root";
        const ino_t before = network_namespace_inode();
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET): " << std::strerror(errno);
        const ino_t after = network_namespace_inode();
        ASSERT_NE(before, 0u);
        ASSERT_NE(after, before) << "still in the original network namespace";
    }

    // Runs a tool in the test's namespace and returns its stdout; fails the test on error.
    std::string run(std::vector<std::string> argv, std::string input = {}) {
        auto output = runner->run({std::move(argv), std::move(input)});
        EXPECT_TRUE(output) << output.error().message();
        if (!output) {
            return {};
        }
        EXPECT_EQ(output->exit_status, 0) << output->standard_error;
        return output->standard_output;
    }

    std::shared_ptr<ProcessCommandRunner> runner = std::make_shared<ProcessCommandRunner>();
};

class IptablesInNamespace : public InPrivateNetworkNamespace,
                            public ::testing::WithParamInterface<FirewallTool> {
  protected:
    [[nodiscard]] std::string program(IpFamily family) const {
        std::string name = family == IpFamily::kIpv4 ? "iptables" : "ip6tables";
        return GetParam() == FirewallTool::kIptablesLegacy ? name + "-legacy" : name;
    }
    std::string listing(IpFamily family) { return run({program(family), "-w", "-S"}); }

    void expect_verified(const FirewallSetup& setup, bool expected, const char* when) {
        const auto intact = setup.verify();
        ASSERT_TRUE(intact) << when << ": " << intact.error().message();
        EXPECT_EQ(*intact, expected) << when << "\n" << listing(IpFamily::kIpv4);
    }
};

FirewallPlan fail_closed_inbound_plan() {
    FirewallPlan plan;
    plan.queue_number = 9;
    plan.fail_open = false;
    plan.inbound = true;
    return plan;
}

TEST_P(IptablesInNamespace, InstallVerifyTamperReinstallRemove) {
    const FirewallPlan plan = fail_closed_inbound_plan();
    auto setup = FirewallSetup::install(GetParam(), plan, runner);
    ASSERT_TRUE(setup) << setup.error().message();
    EXPECT_FALSE(setup->ipv6_unavailable()) << setup->ipv6_unavailable()->message();
    // The kernel holds exactly what the restore scripts said.
    EXPECT_TRUE(iptables_listing_matches(plan, IpFamily::kIpv4, listing(IpFamily::kIpv4)))
        << listing(IpFamily::kIpv4);
    EXPECT_TRUE(iptables_listing_matches(plan, IpFamily::kIpv6, listing(IpFamily::kIpv6)))
        << listing(IpFamily::kIpv6);
    expect_verified(*setup, true, "after install");

    run({program(IpFamily::kIpv4), "-w", "-D", "SLUICE-FLOW", "2"});
    expect_verified(*setup, false, "after deleting an IPv4 rule");
    ASSERT_TRUE(setup->reinstall());
    expect_verified(*setup, true, "after reinstall");

    run({program(IpFamily::kIpv6), "-w", "-D", "INPUT", "-j", "SLUICE-IN"});
    expect_verified(*setup, false, "after deleting the IPv6 INPUT jump");
    ASSERT_TRUE(setup->reinstall());
    expect_verified(*setup, true, "after reinstall");

    run({program(IpFamily::kIpv4), "-w", "-I", "OUTPUT", "1", "-p", "udp", "-j", "ACCEPT"});
    expect_verified(*setup, false, "after a rule was put ahead of the OUTPUT jump");
    ASSERT_TRUE(setup->reinstall());
    expect_verified(*setup, true, "after reinstall");
    EXPECT_NE(listing(IpFamily::kIpv4).find("-A OUTPUT -p udp -j ACCEPT\n"), std::string::npos)
        << "the admin's rule must survive";

    ASSERT_TRUE(setup->remove());
    EXPECT_FALSE(setup->active());
    for (const auto family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
        EXPECT_EQ(listing(family).find("SLUICE"), std::string::npos) << listing(family);
    }
    EXPECT_NE(listing(IpFamily::kIpv4).find("-A OUTPUT -p udp -j ACCEPT\n"), std::string::npos);
}

TEST_P(IptablesInNamespace, StaleChainsOfAnEarlierRunAreReplaced) {
    auto crashed = FirewallSetup::install(GetParam(), fail_closed_inbound_plan(), runner);
    ASSERT_TRUE(crashed) << crashed.error().message();
    crashed->release();
    // A second jump, as a hand-made repair might leave.
    run({program(IpFamily::kIpv4), "-w", "-A", "OUTPUT", "-j", "SLUICE-OUT"});

    const FirewallPlan plan;
    auto setup = FirewallSetup::install(GetParam(), plan, runner);
    ASSERT_TRUE(setup) << setup.error().message();
    expect_verified(*setup, true, "after replacing stale chains");
    const std::string ipv4 = listing(IpFamily::kIpv4);
    EXPECT_EQ(ipv4.find("SLUICE-IN"), std::string::npos) << ipv4;
    EXPECT_NE(ipv4.find("--queue-num 4242 --queue-bypass"), std::string::npos) << ipv4;
    EXPECT_EQ(listing(IpFamily::kIpv6).find("SLUICE-IN"), std::string::npos);
    ASSERT_TRUE(setup->remove());
}

TEST_P(IptablesInNamespace, RemoveCopesWithChainsAlreadyPartlyGone) {
    auto setup = FirewallSetup::install(GetParam(), fail_closed_inbound_plan(), runner);
    ASSERT_TRUE(setup) << setup.error().message();
    const std::string ipv4 = program(IpFamily::kIpv4);
    run({ipv4, "-w", "-D", "INPUT", "-j", "SLUICE-IN"});
    run({ipv4, "-w", "-F", "SLUICE-IN"});
    run({ipv4, "-w", "-X", "SLUICE-IN"});
    run({ipv4, "-w", "-F", "SLUICE-VERDICT"});

    const auto removed = setup->remove();
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_EQ(listing(IpFamily::kIpv4).find("SLUICE"), std::string::npos);
    EXPECT_EQ(listing(IpFamily::kIpv6).find("SLUICE"), std::string::npos);
}

TEST_P(IptablesInNamespace, EveryMaskShapeLoadsAndVerifies) {
    for (const std::uint32_t mask : {0x00700000u, 0x7u, 0xe0000000u, 0xffffffffu, 0x0ff00000u}) {
        FirewallPlan plan;
        plan.marks = *MarkLayout::from_mask(mask);
        plan.queue_number = mask == 0x7u ? 0 : 65535;
        auto setup = FirewallSetup::install(GetParam(), plan, runner);
        ASSERT_TRUE(setup) << std::hex << mask << ": " << setup.error().message();
        expect_verified(*setup, true, "after install with another mask");
        ASSERT_TRUE(setup->remove());
    }
}

INSTANTIATE_TEST_SUITE_P(BothIptablesBackends, IptablesInNamespace,
                         ::testing::Values(FirewallTool::kIptables, FirewallTool::kIptablesLegacy),
                         [](const ::testing::TestParamInfo<FirewallTool>& param_info) {
                             return param_info.param == FirewallTool::kIptables ? "Iptables"
                                                                                : "IptablesLegacy";
                         });

using NftablesInNamespace = InPrivateNetworkNamespace;

std::string without_queue_statement(const std::string& ruleset) {
    std::string result;
    std::size_t start = 0;
    while (start < ruleset.size()) {
        const auto end = ruleset.find('\n', start) + 1;
        const std::string line = ruleset.substr(start, end - start);
        if (line.find(" queue num ") == std::string::npos) {
            result += line;
        }
        start = end;
    }
    return result;
}

TEST_F(NftablesInNamespace, RulesetWithoutTheQueueStatementPassesNftCheck) {
    for (const FirewallPlan& plan : {FirewallPlan{}, fail_closed_inbound_plan()}) {
        const std::string ruleset = without_queue_statement(nftables_ruleset(plan));
        ASSERT_EQ(ruleset.find("queue"), std::string::npos);
        run({"nft", "-c", "-f", "-"}, ruleset);
    }
    run({"nft", "-c", "-f", "-"}, nftables_removal_script());
}

// Kernels built without CONFIG_NFT_QUEUE (like the development machine's) refuse the queue
// statement; there the install must fail cleanly. Elsewhere the whole cycle runs.
TEST_F(NftablesInNamespace, InstallRunsTheWholeCycleOrFailsCleanlyWithoutNftQueue) {
    auto setup =
        FirewallSetup::install(FirewallTool::kNftables, fail_closed_inbound_plan(), runner);
    if (!setup) {
        EXPECT_NE(setup.error().message().find("Could not process rule: No such file or directory"),
                  std::string::npos)
            << setup.error().message();
        EXPECT_EQ(run({"nft", "list", "tables"}).find("sluice"), std::string::npos);
        return;
    }
    auto intact = setup->verify();
    ASSERT_TRUE(intact && *intact);
    run({"nft", "add", "rule", "inet", "sluice", "sluice_flow", "accept"});
    intact = setup->verify();
    ASSERT_TRUE(intact);
    EXPECT_FALSE(*intact);
    ASSERT_TRUE(setup->reinstall());
    intact = setup->verify();
    ASSERT_TRUE(intact && *intact);
    ASSERT_TRUE(setup->remove());
    EXPECT_EQ(run({"nft", "list", "tables"}).find("sluice"), std::string::npos);
}

}  // namespace
}  // namespace sluice
