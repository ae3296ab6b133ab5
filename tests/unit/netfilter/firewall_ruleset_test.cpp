#include "daemon/netfilter/firewall_ruleset.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

FirewallPlan fail_closed_inbound_plan() {
    FirewallPlan plan;
    plan.queue_number = 7;
    plan.fail_open = false;
    plan.inbound = true;
    return plan;
}

FirewallPlan plan_with_mask(std::uint32_t mask) {
    FirewallPlan plan;
    plan.marks = *MarkLayout::from_mask(mask);
    return plan;
}

TEST(IptablesRestoreScript, DefaultPlanForIpv4) {
    EXPECT_EQ(iptables_restore_script(FirewallPlan{}, IpFamily::kIpv4),
              "*filter\n"
              ":SLUICE-OUT - [0:0]\n"
              ":SLUICE-VERDICT - [0:0]\n"
              ":SLUICE-FLOW - [0:0]\n"
              "-A SLUICE-OUT -m mark ! --mark 0x0/0x700000 -g SLUICE-VERDICT\n"
              "-A SLUICE-OUT -m connmark ! --mark 0x0/0x700000 -g SLUICE-FLOW\n"
              "-A SLUICE-OUT -m conntrack --ctstate NEW -j NFQUEUE --queue-num 4242 "
              "--queue-bypass\n"
              "-A SLUICE-VERDICT -j CONNMARK --save-mark --nfmask 0x700000 --ctmask 0x700000\n"
              "-A SLUICE-VERDICT -m mark --mark 0x100000/0x700000 -j RETURN\n"
              "-A SLUICE-VERDICT -m mark --mark 0x200000/0x700000 -j DROP\n"
              "-A SLUICE-VERDICT -p tcp -m mark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with tcp-reset\n"
              "-A SLUICE-VERDICT -m mark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with icmp-port-unreachable\n"
              "-A SLUICE-FLOW -m conntrack --ctstate RELATED -j RETURN\n"
              "-A SLUICE-FLOW -m connmark --mark 0x100000/0x700000 -j RETURN\n"
              "-A SLUICE-FLOW -m connmark --mark 0x200000/0x700000 -j DROP\n"
              "-A SLUICE-FLOW -p tcp -m connmark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with tcp-reset\n"
              "-A SLUICE-FLOW -m connmark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with icmp-port-unreachable\n"
              "-I OUTPUT 1 -j SLUICE-OUT\n"
              "COMMIT\n");
}

TEST(IptablesRestoreScript, FailClosedInboundForIpv6) {
    EXPECT_EQ(iptables_restore_script(fail_closed_inbound_plan(), IpFamily::kIpv6),
              "*filter\n"
              ":SLUICE-OUT - [0:0]\n"
              ":SLUICE-IN - [0:0]\n"
              ":SLUICE-VERDICT - [0:0]\n"
              ":SLUICE-FLOW - [0:0]\n"
              "-A SLUICE-OUT -m mark ! --mark 0x0/0x700000 -g SLUICE-VERDICT\n"
              "-A SLUICE-OUT -m connmark ! --mark 0x0/0x700000 -g SLUICE-FLOW\n"
              "-A SLUICE-OUT -m conntrack --ctstate NEW -j NFQUEUE --queue-num 7\n"
              "-A SLUICE-IN -m mark ! --mark 0x0/0x700000 -g SLUICE-VERDICT\n"
              "-A SLUICE-IN -m connmark ! --mark 0x0/0x700000 -g SLUICE-FLOW\n"
              "-A SLUICE-IN -m conntrack --ctstate NEW -j NFQUEUE --queue-num 7\n"
              "-A SLUICE-VERDICT -j CONNMARK --save-mark --nfmask 0x700000 --ctmask 0x700000\n"
              "-A SLUICE-VERDICT -m mark --mark 0x100000/0x700000 -j RETURN\n"
              "-A SLUICE-VERDICT -m mark --mark 0x200000/0x700000 -j DROP\n"
              "-A SLUICE-VERDICT -p tcp -m mark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with tcp-reset\n"
              "-A SLUICE-VERDICT -m mark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with icmp6-port-unreachable\n"
              "-A SLUICE-FLOW -m conntrack --ctstate RELATED -j RETURN\n"
              "-A SLUICE-FLOW -m connmark --mark 0x100000/0x700000 -j RETURN\n"
              "-A SLUICE-FLOW -m connmark --mark 0x200000/0x700000 -j DROP\n"
              "-A SLUICE-FLOW -p tcp -m connmark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with tcp-reset\n"
              "-A SLUICE-FLOW -m connmark --mark 0x300000/0x700000 -j REJECT "
              "--reject-with icmp6-port-unreachable\n"
              "-I OUTPUT 1 -j SLUICE-OUT\n"
              "-I INPUT 1 -j SLUICE-IN\n"
              "COMMIT\n");
}

TEST(IptablesRestoreScript, MarkValuesFollowTheMask) {
    const std::string low = iptables_restore_script(plan_with_mask(0x7), IpFamily::kIpv4);
    EXPECT_NE(low.find("-m mark --mark 0x2/0x7 -j DROP\n"), std::string::npos);
    EXPECT_NE(low.find("--save-mark --nfmask 0x7 --ctmask 0x7\n"), std::string::npos);

    const std::string high = iptables_restore_script(plan_with_mask(0xe0000000), IpFamily::kIpv4);
    EXPECT_NE(high.find("-m connmark --mark 0x60000000/0xe0000000 -j REJECT"), std::string::npos);
}

TEST(IptablesRestoreScript, FullMaskIsLeftOutAsIptablesPrintsIt) {
    const std::string script = iptables_restore_script(plan_with_mask(0xffffffff), IpFamily::kIpv4);
    EXPECT_NE(script.find("-m mark ! --mark 0x0 -g SLUICE-VERDICT\n"), std::string::npos);
    EXPECT_NE(script.find("-m connmark --mark 0x1 -j RETURN\n"), std::string::npos);
    EXPECT_NE(script.find("--save-mark --nfmask 0xffffffff --ctmask 0xffffffff\n"),
              std::string::npos);
}

// What `iptables -S` printed here after a fail: closed, inbound install, plus an admin rule
// and an admin chain that jumps into ours.
constexpr std::string_view kInstalledListing =
    "-P INPUT ACCEPT\n"
    "-P FORWARD ACCEPT\n"
    "-P OUTPUT ACCEPT\n"
    "-N ADMIN\n"
    "-N SLUICE-FLOW\n"
    "-N SLUICE-IN\n"
    "-N SLUICE-OUT\n"
    "-N SLUICE-VERDICT\n"
    "-A INPUT -j SLUICE-IN\n"
    "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
    "-A OUTPUT -j SLUICE-OUT\n"
    "-A OUTPUT -p udp -m udp --dport 9 -j DROP\n"
    "-A ADMIN -m comment --comment \"sluice check\" -j SLUICE-FLOW\n"
    "-A SLUICE-FLOW -m conntrack --ctstate RELATED -j RETURN\n"
    "-A SLUICE-FLOW -m connmark --mark 0x100000/0x700000 -j RETURN\n"
    "-A SLUICE-FLOW -m connmark --mark 0x200000/0x700000 -j DROP\n"
    "-A SLUICE-FLOW -p tcp -m connmark --mark 0x300000/0x700000 -j REJECT --reject-with "
    "tcp-reset\n"
    "-A SLUICE-FLOW -m connmark --mark 0x300000/0x700000 -j REJECT --reject-with "
    "icmp-port-unreachable\n"
    "-A SLUICE-IN -m mark ! --mark 0x0/0x700000 -g SLUICE-VERDICT\n"
    "-A SLUICE-IN -m connmark ! --mark 0x0/0x700000 -g SLUICE-FLOW\n"
    "-A SLUICE-IN -m conntrack --ctstate NEW -j NFQUEUE --queue-num 7\n"
    "-A SLUICE-OUT -m mark ! --mark 0x0/0x700000 -g SLUICE-VERDICT\n"
    "-A SLUICE-OUT -m connmark ! --mark 0x0/0x700000 -g SLUICE-FLOW\n"
    "-A SLUICE-OUT -m conntrack --ctstate NEW -j NFQUEUE --queue-num 7\n"
    "-A SLUICE-VERDICT -j CONNMARK --save-mark --nfmask 0x700000 --ctmask 0x700000\n"
    "-A SLUICE-VERDICT -m mark --mark 0x100000/0x700000 -j RETURN\n"
    "-A SLUICE-VERDICT -m mark --mark 0x200000/0x700000 -j DROP\n"
    "-A SLUICE-VERDICT -p tcp -m mark --mark 0x300000/0x700000 -j REJECT --reject-with "
    "tcp-reset\n"
    "-A SLUICE-VERDICT -m mark --mark 0x300000/0x700000 -j REJECT --reject-with "
    "icmp-port-unreachable\n";

std::string without_line(std::string_view listing, std::string_view line) {
    std::string text(listing);
    const auto at = text.find(std::string(line) + "\n");
    EXPECT_NE(at, std::string::npos) << line;
    text.erase(at, line.size() + 1);
    return text;
}

TEST(IptablesLeftovers, FindsSluiceChainsAndEveryRuleJumpingIntoThem) {
    const IptablesLeftovers leftovers = find_iptables_leftovers(kInstalledListing);
    EXPECT_EQ(leftovers.chains, (std::vector<std::string>{"SLUICE-FLOW", "SLUICE-IN", "SLUICE-OUT",
                                                          "SLUICE-VERDICT"}));
    EXPECT_EQ(leftovers.jump_rules,
              (std::vector<std::string>{
                  "-A INPUT -j SLUICE-IN", "-A OUTPUT -j SLUICE-OUT",
                  "-A ADMIN -m comment --comment \"sluice check\" -j SLUICE-FLOW"}));
}

TEST(IptablesLeftovers, NothingOfOursInAPlainTable) {
    const auto leftovers =
        find_iptables_leftovers("-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-A OUTPUT -j ACCEPT\n");
    EXPECT_TRUE(leftovers.empty());
    EXPECT_EQ(iptables_removal_script(leftovers), "");
}

TEST(IptablesLeftovers, RemovalDeletesJumpsThenFlushesThenDeletesChains) {
    IptablesLeftovers leftovers;
    leftovers.chains = {"SLUICE-OUT", "SLUICE-VERDICT"};
    leftovers.jump_rules = {"-A OUTPUT -j SLUICE-OUT", "-A OUTPUT -j SLUICE-OUT"};
    EXPECT_EQ(iptables_removal_script(leftovers),
              "*filter\n"
              "-D OUTPUT -j SLUICE-OUT\n"
              "-D OUTPUT -j SLUICE-OUT\n"
              "-F SLUICE-OUT\n"
              "-F SLUICE-VERDICT\n"
              "-X SLUICE-OUT\n"
              "-X SLUICE-VERDICT\n"
              "COMMIT\n");
}

TEST(IptablesLeftovers, ReplacingDeletesOldJumpsAndUnplannedChainsInTheSameTransaction) {
    IptablesLeftovers leftovers;
    leftovers.chains = {"SLUICE-IN", "SLUICE-OUT", "SLUICE-OLD"};
    leftovers.jump_rules = {"-A INPUT -j SLUICE-IN", "-A OUTPUT -j SLUICE-OUT"};
    const std::string script = iptables_restore_script(FirewallPlan{}, IpFamily::kIpv4, leftovers);
    EXPECT_EQ(script.substr(0, script.find("-A SLUICE-OUT")),
              "*filter\n"
              "-D INPUT -j SLUICE-IN\n"
              "-D OUTPUT -j SLUICE-OUT\n"
              ":SLUICE-OUT - [0:0]\n"
              ":SLUICE-VERDICT - [0:0]\n"
              ":SLUICE-FLOW - [0:0]\n"
              "-F SLUICE-IN\n"
              "-F SLUICE-OLD\n"
              "-X SLUICE-IN\n"
              "-X SLUICE-OLD\n");
    EXPECT_TRUE(script.ends_with("-I OUTPUT 1 -j SLUICE-OUT\nCOMMIT\n"));
}

TEST(IptablesListing, MatchesWhatWasInstalled) {
    EXPECT_TRUE(iptables_listing_matches(fail_closed_inbound_plan(), IpFamily::kIpv4,
                                         without_line(kInstalledListing,
                                                      "-A ADMIN -m comment --comment \"sluice "
                                                      "check\" -j SLUICE-FLOW")));
}

TEST(IptablesListing, MissingRuleDoesNotMatch) {
    const std::string listing =
        without_line(without_line(kInstalledListing,
                                  "-A ADMIN -m comment --comment \"sluice check\" -j SLUICE-FLOW"),
                     "-A SLUICE-FLOW -m connmark --mark 0x200000/0x700000 -j DROP");
    EXPECT_FALSE(iptables_listing_matches(fail_closed_inbound_plan(), IpFamily::kIpv4, listing));
}

TEST(IptablesListing, ForeignReferenceToOurChainDoesNotMatch) {
    EXPECT_FALSE(
        iptables_listing_matches(fail_closed_inbound_plan(), IpFamily::kIpv4, kInstalledListing));
}

TEST(IptablesListing, JumpThatIsNotFirstDoesNotMatch) {
    std::string listing = without_line(
        kInstalledListing, "-A ADMIN -m comment --comment \"sluice check\" -j SLUICE-FLOW");
    listing = without_line(listing, "-A OUTPUT -j SLUICE-OUT");
    listing += "-A OUTPUT -j SLUICE-OUT\n";
    EXPECT_FALSE(iptables_listing_matches(fail_closed_inbound_plan(), IpFamily::kIpv4, listing));
}

TEST(IptablesListing, DuplicateJumpDoesNotMatch) {
    std::string listing = without_line(
        kInstalledListing, "-A ADMIN -m comment --comment \"sluice check\" -j SLUICE-FLOW");
    listing += "-A OUTPUT -j SLUICE-OUT\n";
    EXPECT_FALSE(iptables_listing_matches(fail_closed_inbound_plan(), IpFamily::kIpv4, listing));
}

TEST(IptablesListing, DifferentPlanDoesNotMatch) {
    const std::string listing = without_line(
        kInstalledListing, "-A ADMIN -m comment --comment \"sluice check\" -j SLUICE-FLOW");
    FirewallPlan outbound_only = fail_closed_inbound_plan();
    outbound_only.inbound = false;
    EXPECT_FALSE(iptables_listing_matches(outbound_only, IpFamily::kIpv4, listing));
    FirewallPlan other_queue = fail_closed_inbound_plan();
    other_queue.queue_number = 8;
    EXPECT_FALSE(iptables_listing_matches(other_queue, IpFamily::kIpv4, listing));
    EXPECT_FALSE(iptables_listing_matches(fail_closed_inbound_plan(), IpFamily::kIpv6, listing));
}

TEST(NftablesRuleset, DefaultPlan) {
    EXPECT_EQ(nftables_ruleset(FirewallPlan{}),
              "table inet sluice\n"
              "delete table inet sluice\n"
              "table inet sluice {\n"
              "\tchain sluice_output {\n"
              "\t\ttype filter hook output priority filter - 10; policy accept;\n"
              "\t\tmeta mark & 0x00700000 != 0x00000000 goto sluice_verdict\n"
              "\t\tct mark & 0x00700000 != 0x00000000 goto sluice_flow\n"
              "\t\tct state new queue num 4242 bypass\n"
              "\t}\n"
              "\tchain sluice_verdict {\n"
              "\t\tmeta mark & 0x00700000 == 0x00100000 ct mark set ct mark & 0xff8fffff | "
              "0x00100000 accept\n"
              "\t\tmeta mark & 0x00700000 == 0x00200000 ct mark set ct mark & 0xff8fffff | "
              "0x00200000 drop\n"
              "\t\tmeta mark & 0x00700000 == 0x00300000 meta l4proto tcp ct mark set ct mark & "
              "0xff8fffff | 0x00300000 reject with tcp reset\n"
              "\t\tmeta mark & 0x00700000 == 0x00300000 ct mark set ct mark & 0xff8fffff | "
              "0x00300000 reject with icmpx port-unreachable\n"
              "\t\tmeta mark & 0x00700000 == 0x00400000 ct mark set ct mark & 0xff8fffff | "
              "0x00400000 accept\n"
              "\t}\n"
              "\tchain sluice_flow {\n"
              "\t\tct state related accept\n"
              "\t\tct mark & 0x00700000 == 0x00100000 accept\n"
              "\t\tct mark & 0x00700000 == 0x00200000 drop\n"
              "\t\tct mark & 0x00700000 == 0x00300000 meta l4proto tcp reject with tcp reset\n"
              "\t\tct mark & 0x00700000 == 0x00300000 reject with icmpx port-unreachable\n"
              "\t}\n"
              "}\n");
}

TEST(NftablesRuleset, FailClosedInboundQueuesWithoutBypassOnBothHooks) {
    const std::string ruleset = nftables_ruleset(fail_closed_inbound_plan());
    EXPECT_NE(ruleset.find("\tchain sluice_input {\n"
                           "\t\ttype filter hook input priority filter - 10; policy accept;\n"
                           "\t\tmeta mark & 0x00700000 != 0x00000000 goto sluice_verdict\n"
                           "\t\tct mark & 0x00700000 != 0x00000000 goto sluice_flow\n"
                           "\t\tct state new queue num 7\n"
                           "\t}\n"),
              std::string::npos);
    EXPECT_EQ(ruleset.find("bypass"), std::string::npos);
}

TEST(NftablesRuleset, RemovalCannotFailOnAMissingTable) {
    EXPECT_EQ(nftables_removal_script(), "table inet sluice\ndelete table inet sluice\n");
}

}  // namespace
}  // namespace sluice
