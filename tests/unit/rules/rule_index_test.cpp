#include "rules/rule_index.hpp"

#include <gtest/gtest.h>

#include "rules/rule_matcher.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::curl_connection;
using testing::fake_lists;
using testing::parse_clean;

const TimePoint kNow = parse_timestamp("2026-06-01T12:00:00Z").value();

RuleIndex index_of(std::string_view yaml, const ListFileReader& lists = fake_lists({})) {
    return RuleIndex(parse_clean(yaml, lists));
}

std::string winner(const RuleIndex& index, const Connection& connection, TimePoint now = kNow) {
    const Rule* rule = index.match(connection, now);
    return rule == nullptr ? "none" : rule->id;
}

// The precedence table of docs/rules.md is checked row by row in rules_doc_test.cpp.

TEST(RuleIndex, NoMatchingRuleReturnsNull) {
    const auto index = index_of("rules:\n  - {action: allow, port: 22}\n");
    EXPECT_EQ(index.match(curl_connection(), kNow), nullptr);
    EXPECT_EQ(index.size(), 1u);
}

TEST(RuleIndex, AbsentFieldsMatchAnything) {
    EXPECT_EQ(winner(index_of("rules:\n  - {id: all, action: deny}\n"), curl_connection()), "all");
}

TEST(RuleIndex, FieldsAreAndListsAreOr) {
    const auto index = index_of(R"(rules:
  - {id: both, action: allow, port: [22, 443], user: [bob, alice]}
  - {id: wrong-user, action: deny, port: 443, user: bob}
)");
    EXPECT_EQ(winner(index, curl_connection()), "both");
}

TEST(RuleIndex, FieldTheConnectionDoesNotKnowDoesNotMatch) {
    Connection unknown = curl_connection();
    unknown.exe.clear();
    unknown.uid.reset();
    unknown.user_name.clear();
    unknown.host_names.clear();
    unknown.interface.clear();
    unknown.pid.reset();
    unknown.package.clear();
    unknown.unit.clear();
    const auto index = index_of(R"(rules:
  - {action: allow, process: "/**"}
  - {action: allow, user: alice}
  - {action: allow, host: "*.com"}
  - {action: allow, interface: eth0}
  - {action: allow, scope: process, pid: 4242}
  - {action: allow, package: curl}
  - {action: allow, unit: "*"}
)");
    EXPECT_EQ(index.match(unknown, kNow), nullptr);
    EXPECT_EQ(index.match(curl_connection(), kNow), &index.rules()[0]);
}

TEST(RuleIndex, UserMatchesUidOrName) {
    Connection by_uid = curl_connection();
    by_uid.user_name.clear();
    Connection by_name = curl_connection();
    by_name.uid.reset();
    const auto numeric = index_of("rules:\n  - {id: u, action: deny, user: 1000}\n");
    const auto named = index_of("rules:\n  - {id: u, action: deny, user: alice}\n");
    EXPECT_EQ(winner(numeric, by_uid), "u");
    EXPECT_EQ(winner(numeric, by_name), "none");
    EXPECT_EQ(winner(named, by_name), "u");
    EXPECT_EQ(winner(named, by_uid), "none");
}

TEST(RuleIndex, DirectionDefaultsToOutAndAnyMatchesBoth) {
    const auto index = index_of(R"(rules:
  - {id: out, action: allow, port: 443}
  - {id: in, action: allow, direction: in, port: 443}
)");
    Connection inbound = curl_connection();
    inbound.direction = Direction::kIn;
    EXPECT_EQ(winner(index, curl_connection()), "out");
    EXPECT_EQ(winner(index, inbound), "in");
    const auto any = index_of("rules:\n  - {id: any, action: allow, direction: any}\n");
    EXPECT_EQ(winner(any, curl_connection()), "any");
    EXPECT_EQ(winner(any, inbound), "any");
}

TEST(RuleIndex, ProtocolListIsOr) {
    const auto index = index_of("rules:\n  - {id: p, action: allow, protocol: [udp, icmp]}\n");
    Connection udp = curl_connection();
    udp.protocol = Protocol::kUdp;
    EXPECT_EQ(winner(index, udp), "p");
    EXPECT_EQ(winner(index, curl_connection()), "none");
}

TEST(RuleIndex, PortsZeroAnd65535Match) {
    const auto index = index_of("rules:\n  - {id: edges, action: allow, port: [0, 65535]}\n");
    Connection icmp = curl_connection();
    icmp.protocol = Protocol::kIcmp;
    icmp.remote_port = 0;
    Connection high = curl_connection();
    high.remote_port = 65535;
    EXPECT_EQ(winner(index, icmp), "edges");
    EXPECT_EQ(winner(index, high), "edges");
    EXPECT_EQ(winner(index, curl_connection()), "none");
}

TEST(RuleIndex, IPv4MappedIPv6ComparesAsIPv4) {
    Connection mapped = curl_connection();
    mapped.remote_address = IpAddress::parse("::ffff:192.0.2.10").value();
    EXPECT_EQ(winner(index_of("rules:\n  - {id: v4, action: deny, ip: 192.0.2.0/24}\n"), mapped),
              "v4");
    EXPECT_EQ(winner(index_of("rules:\n  - {id: m, action: deny, ip: \"::ffff:192.0.2.10\"}\n"),
                     curl_connection()),
              "m");
}

TEST(RuleIndex, IPv6DefaultRouteDoesNotMatchIPv4) {
    const auto index = index_of("rules:\n  - {id: v6, action: deny, ip: \"::/0\"}\n");
    Connection v6 = curl_connection();
    v6.remote_address = IpAddress::parse("2001:db8::1").value();
    EXPECT_EQ(winner(index, curl_connection()), "none");
    EXPECT_EQ(winner(index, v6), "v6");
}

TEST(RuleIndex, OverlappingCidrsRankByTheLongestThatContainsTheAddress) {
    const auto index = index_of(R"(rules:
  - {id: wide-and-narrow, action: allow, ip: [10.0.0.0/8, 10.1.2.0/24]}
  - {id: middle, action: deny, ip: 10.1.0.0/16}
)");
    Connection inner = curl_connection();
    inner.remote_address = IpAddress::parse("10.1.2.3").value();
    Connection middle = curl_connection();
    middle.remote_address = IpAddress::parse("10.1.9.9").value();
    Connection outer = curl_connection();
    outer.remote_address = IpAddress::parse("10.9.9.9").value();
    EXPECT_EQ(winner(index, inner), "wide-and-narrow");
    EXPECT_EQ(winner(index, middle), "middle");
    EXPECT_EQ(winner(index, outer), "wide-and-narrow");
}

TEST(RuleIndex, HostSuffixMatchesSubdomainsButNotTheDomainItself) {
    const auto index = index_of("rules:\n  - {id: s, action: deny, host: \"*.example.com\"}\n");
    Connection apex = curl_connection();
    apex.host_names = {"example.com"};
    Connection deep = curl_connection();
    deep.host_names = {"a.b.example.com"};
    Connection lookalike = curl_connection();
    lookalike.host_names = {"badexample.com"};
    Connection several = curl_connection();
    several.host_names = {"other.test", "cdn.example.com"};
    EXPECT_EQ(winner(index, apex), "none");
    EXPECT_EQ(winner(index, deep), "s");
    EXPECT_EQ(winner(index, lookalike), "none");
    EXPECT_EQ(winner(index, several), "s");
}

TEST(RuleIndex, HostListEntriesRankLikeHostValues) {
    const auto lists = fake_lists({{"/lists/ads.txt", "www.example.com\n*.net\n"}});
    const auto index = index_of(R"(rules:
  - {id: list, action: allow, host_list: /lists/ads.txt}
  - {id: suffix, action: deny, host: "*.example.com"}
)",
                                lists);
    EXPECT_EQ(winner(index, curl_connection()), "list");
    Connection other = curl_connection();
    other.host_names = {"www.example.com.net", "x.example.com"};
    EXPECT_EQ(winner(index, other), "suffix");
}

TEST(RuleIndex, IpListMatchesByLongestPrefix) {
    const auto lists = fake_lists({{"/lists/nets.txt", "192.0.2.0/25\n"}});
    const auto index = index_of(R"(rules:
  - {id: list, action: allow, ip_list: /lists/nets.txt}
  - {id: wide, action: deny, ip: 192.0.2.0/24}
)",
                                lists);
    EXPECT_EQ(winner(index, curl_connection()), "list");
    Connection upper = curl_connection();
    upper.remote_address = IpAddress::parse("192.0.2.200").value();
    EXPECT_EQ(winner(index, upper), "wide");
}

TEST(RuleIndex, GlobEdgesForProcess) {
    const auto index = index_of(R"(rules:
  - {id: one-level, action: allow, process: "/usr/*/curl"}
  - {id: any-depth, action: allow, process: "/opt/**/curl"}
)");
    Connection deep = curl_connection();
    deep.exe = "/usr/local/bin/curl";
    Connection opt = curl_connection();
    opt.exe = "/opt/curl";
    EXPECT_EQ(winner(index, curl_connection()), "one-level");
    EXPECT_EQ(winner(index, deep), "none");
    EXPECT_EQ(winner(index, opt), "any-depth");
}

TEST(RuleIndex, PackageWithoutArchitectureMatchesAnyArchitecture) {
    const auto index = index_of(R"(rules:
  - {id: any-arch, action: allow, package: curl}
  - {id: i386, action: deny, package: "curl:i386"}
)");
    EXPECT_EQ(winner(index, curl_connection()), "any-arch");
    Connection other = curl_connection();
    other.package = "curlftpfs";
    EXPECT_EQ(winner(index, other), "none");
}

TEST(RuleIndex, ExpiredAtTheExactInstantOfExpiry) {
    const auto index = index_of(R"(rules:
  - {id: timed, action: allow, expires: 2026-06-01T12:00:00Z}
  - {id: relative, action: deny, created: 2026-06-01T11:00:00Z, duration: 1h}
)");
    EXPECT_EQ(winner(index, curl_connection(), kNow - 1ns), "relative");
    EXPECT_EQ(winner(index, curl_connection(), kNow), "none");
    const auto allow_only =
        index_of("rules:\n  - {id: t, action: allow, expires: 2026-06-01T12:00:00Z}\n");
    EXPECT_EQ(winner(allow_only, curl_connection(), kNow - 1ns), "t");
    EXPECT_EQ(winner(allow_only, curl_connection(), kNow), "none");
}

TEST(RuleIndex, HugeDurationNeverOverflowsIntoThePast) {
    const auto index = index_of(
        "rules:\n  - {id: long, action: allow, created: 2026-01-01T00:00:00Z, duration: "
        "100000000d}\n");
    ASSERT_TRUE(index.rules()[0].expiry());
    EXPECT_EQ(*index.rules()[0].expiry(), TimePoint::max());
    EXPECT_EQ(winner(index, curl_connection()), "long");
}

TEST(RuleIndex, PidRuleMatchesOnlyThatProcess) {
    const auto index = index_of("rules:\n  - {id: p, action: allow, scope: process, pid: 4242}\n");
    Connection other = curl_connection();
    other.pid = 4243;
    EXPECT_EQ(winner(index, curl_connection()), "p");
    EXPECT_EQ(winner(index, other), "none");
}

TEST(RuleIndex, ExplainNamesTheWinnerAndTheRuleItBeat) {
    const auto index = index_of(R"(rules:
  - {id: broad, action: allow, ip: 192.0.2.0/24}
  - {id: curl, action: deny, process: /usr/bin/curl, host: www.example.com, port: 443}
  - {id: other, action: deny, port: 22}
)");
    const auto explanation = index.explain(curl_connection(), kNow);
    ASSERT_TRUE(explanation);
    EXPECT_EQ(explanation->rule, index.match(curl_connection(), kNow));
    EXPECT_EQ(explanation->to_string(),
              "rule 'curl' (rules.yaml:3:5) decides with priority 0, program, exact host, port, "
              "deny/reject; it beat rule 'broad' (rules.yaml:2:5) with priority 0, ip /24, "
              "allow; 2 rules matched");
    EXPECT_FALSE(index_of("rules: []\n").explain(curl_connection(), kNow));
}

TEST(RankMatch, RankFollowsTheDocumentedOrder) {
    const auto rules = parse_clean(R"(rules:
  - {action: reject, priority: 3, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, host: "*.example.com", ip: 192.0.2.8/30, local_port: 50000, group: users}
)");
    const auto rank = rank_match(rules[0], curl_connection(), kNow);
    ASSERT_TRUE(rank);
    EXPECT_EQ(rank->priority, 3);
    EXPECT_TRUE(rank->names_program);
    EXPECT_EQ(rank->host, (HostMatch{false, 11}));
    EXPECT_EQ(rank->ip_prefix_length, 30);
    EXPECT_TRUE(rank->names_port);
    EXPECT_EQ(rank->account, MatchRank::kAccountGroup);
    EXPECT_EQ(rank->action, 2);
}

}  // namespace
}  // namespace sluice
