// The compiled RuleIndex must decide exactly as ranking every rule would. Random rules and
// connections drawn from small pools of values (so that most fields collide and match) are
// checked against that reference, which is the scan the index replaced.
#include <gtest/gtest.h>

#include <random>

#include "rules/rule_index.hpp"
#include "rules/rule_matcher.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

const TimePoint kNow = parse_timestamp("2026-06-01T12:00:00Z").value();

// The specification of match(): the best rank over all rules, ties to the rule loaded first.
const Rule* reference_match(const std::vector<Rule>& rules, const Connection& connection) {
    const Rule* best = nullptr;
    MatchRank best_rank;
    for (const auto& rule : rules) {
        const auto rank = rank_match(rule, connection, kNow);
        if (rank && (best == nullptr || *rank > best_rank)) {
            best = &rule;
            best_rank = *rank;
        }
    }
    return best;
}

std::size_t reference_matching_count(const std::vector<Rule>& rules, const Connection& connection) {
    std::size_t count = 0;
    for (const auto& rule : rules) {
        count += rank_match(rule, connection, kNow).has_value() ? 1 : 0;
    }
    return count;
}

class RandomRules {
  public:
    explicit RandomRules(unsigned seed) : random_(seed) {
        Diagnostics ignored;
        host_list_ = std::make_shared<const DomainList>(
            parse_domain_list("ads.example\n*.tracker.test\nwww.example.com\n", "h", ignored));
        ip_list_ = std::make_shared<const IpList>(
            parse_ip_list("10.1.0.0/16\n192.0.2.128/25\n2001:db8::/48\n", "i", ignored));
    }

    Rule rule() {
        Rule rule;
        rule.action =
            pick<Action>({Action::kAllow, Action::kDeny, Action::kReject, Action::kPrompt});
        rule.direction = pick<RuleDirection>(
            {RuleDirection::kOut, RuleDirection::kOut, RuleDirection::kIn, RuleDirection::kAny});
        rule.priority = chance(10) ? static_cast<std::int32_t>(number(3)) - 1 : 0;
        if (chance(8)) {
            rule.scope = Scope::kProcess;
            rule.pid = static_cast<std::uint32_t>(100 + number(3));
        }
        if (chance(8)) {
            rule.sha256 = std::string(64, pick<char>({'a', 'b'}));
        }
        if (chance(30)) {
            rule.process = Glob::parse(pick<std::string>(
                {"/usr/bin/curl", "/usr/bin/wget", "/usr/bin/*", "/usr/**", "/opt/app/bin/run",
                 "/opt/**/run", "/usr/lib/*/helper", "/**", "/usr/bin/cu*"}));
        }
        if (chance(12)) {
            rule.package = pick<std::string>({"curl", "curl:amd64", "wget", "curl:i386"});
        }
        if (chance(30)) {
            const auto count = 1 + number(2);
            for (std::size_t i = 0; i < count; ++i) {
                rule.hosts.push_back(*HostPattern::parse(
                    pick<std::string>({"www.example.com", "*.example.com", "example.com", "*.com",
                                       "ads.example", "*.b.example.com", "a.b.example.com"})));
            }
        }
        if (chance(10)) {
            rule.host_list = host_list_;
            rule.host_list_path = "/lists/hosts";
        }
        if (chance(30)) {
            const auto count = 1 + number(2);
            for (std::size_t i = 0; i < count; ++i) {
                rule.ips.push_back(*IpPrefix::parse(
                    pick<std::string>({"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
                                       "0.0.0.0/0", "192.0.2.0/24", "::/0", "2001:db8::/32",
                                       "2001:db8::1", "::ffff:10.1.2.0/24"})));
            }
        }
        if (chance(10)) {
            rule.ip_list = ip_list_;
            rule.ip_list_path = "/lists/ips";
        }
        if (chance(10)) {
            rule.unit = Glob::parse(pick<std::string>({"user@1000.service", "app-*.scope", "*"}));
        }
        if (chance(15)) {
            rule.users.push_back(
                *NameOrId::parse(pick<std::string>({"alice", "1000", "bob", "0"})));
        }
        if (chance(15)) {
            rule.groups.push_back(*NameOrId::parse(pick<std::string>({"users", "100", "wheel"})));
        }
        if (chance(25)) {
            rule.ports.push_back(pick<PortRange>({{443, 443},
                                                  {80, 80},
                                                  {0, 0},
                                                  {65535, 65535},
                                                  {440, 450},
                                                  {1, 65535},
                                                  {1024, 65535}}));
        }
        if (chance(15)) {
            rule.local_ports.push_back(pick<PortRange>({{22, 22}, {50000, 50010}, {0, 65535}}));
        }
        if (chance(15)) {
            rule.protocols.push_back(pick<Protocol>({Protocol::kTcp, Protocol::kUdp}));
        }
        if (chance(10)) {
            rule.interface = pick<std::string>({"eth0", "wlan0"});
        }
        if (chance(5)) {
            rule.expires = kNow + std::chrono::seconds(static_cast<int>(number(3)) - 1);
        }
        return rule;
    }

    Connection connection() {
        Connection connection;
        connection.direction = pick<Direction>({Direction::kOut, Direction::kIn});
        connection.protocol = pick<Protocol>({Protocol::kTcp, Protocol::kUdp, Protocol::kIcmp});
        connection.remote_address = *IpAddress::parse(
            pick<std::string>({"10.1.2.3", "10.1.9.9", "10.9.9.9", "192.0.2.200", "192.0.2.7",
                               "2001:db8::1", "2001:db8:0:1::5", "::ffff:10.1.2.3", "fe80::1"}));
        connection.remote_port = pick<std::uint16_t>({443, 80, 0, 65535, 445, 22});
        connection.local_port = pick<std::uint16_t>({50000, 22, 0, 60000});
        if (chance(80)) {
            connection.interface = pick<std::string>({"eth0", "wlan0"});
        }
        if (chance(80)) {
            connection.uid = pick<std::uint32_t>({1000, 0});
            connection.user_name = connection.uid == 0 ? "root" : "alice";
        }
        if (chance(80)) {
            connection.gid = pick<std::uint32_t>({100, 10});
            connection.group_name = connection.gid == 100 ? "users" : "wheel";
        }
        if (chance(80)) {
            connection.pid = static_cast<std::uint32_t>(100 + number(3));
        }
        if (chance(80)) {
            connection.exe =
                pick<std::string>({"/usr/bin/curl", "/usr/bin/wget", "/opt/app/bin/run",
                                   "/usr/lib/x/helper", "/opt/run", "/usr/bin/curl2"});
        }
        if (chance(60)) {
            connection.package = pick<std::string>({"curl:amd64", "curl", "wget:amd64"});
        }
        if (chance(50)) {
            connection.sha256 = std::string(64, pick<char>({'a', 'A', 'b'}));
        }
        if (chance(60)) {
            connection.unit = pick<std::string>({"user@1000.service", "app-x.scope"});
        }
        const auto names = number(3);
        for (std::size_t i = 0; i < names; ++i) {
            connection.host_names.push_back(
                pick<std::string>({"www.example.com", "example.com", "a.b.example.com",
                                   "ads.example", "x.tracker.test", "other.org"}));
        }
        return connection;
    }

  private:
    bool chance(int percent) { return static_cast<int>(number(100)) < percent; }
    std::size_t number(std::size_t bound) {
        return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
    }
    template <typename T>
    T pick(std::initializer_list<T> values) {
        return *(values.begin() + number(values.size()));
    }

    std::mt19937 random_;
    std::shared_ptr<const DomainList> host_list_;
    std::shared_ptr<const IpList> ip_list_;
};

TEST(CompiledIndex, DecidesExactlyAsRankingEveryRule) {
    std::size_t decided = 0;
    for (unsigned seed = 1; seed <= 60; ++seed) {
        RandomRules random(seed);
        std::vector<Rule> rules;
        for (int i = 0; i < 150; ++i) {
            rules.push_back(random.rule());
            rules.back().id = "r" + std::to_string(i);
        }
        const RuleIndex index(rules);
        ASSERT_EQ(index.size(), rules.size());
        for (int i = 0; i < 300; ++i) {
            const auto connection = random.connection();
            const Rule* expected = reference_match(rules, connection);
            const Rule* actual = index.match(connection, kNow);
            ASSERT_EQ(actual == nullptr ? "none" : actual->id,
                      expected == nullptr ? "none" : expected->id)
                << "seed " << seed << " connection " << i;
            const auto explanation = index.explain(connection, kNow);
            ASSERT_EQ(explanation.has_value(), expected != nullptr);
            if (explanation) {
                EXPECT_EQ(explanation->rule, actual);
                EXPECT_EQ(explanation->matching_rules, reference_matching_count(rules, connection));
                ++decided;
            }
        }
    }
    // The pools are small enough that most connections find a rule; a generator bug that made
    // nothing match would make this test vacuous.
    EXPECT_GT(decided, 60u * 300u / 2);
}

TEST(CompiledIndex, FilesMostRulesInTablesNotTheScanList) {
    const auto rules = testing::parse_clean(R"(rules:
  - {action: allow, process: /usr/bin/curl}
  - {action: allow, process: "/usr/lib/*/helper"}
  - {action: allow, host: "*.example.com"}
  - {action: allow, ip: 10.0.0.0/8}
  - {action: allow, port: [80, 443]}
  - {action: allow, local_port: 22, direction: in}
  - {action: allow, user: alice}
  - {action: allow, interface: eth0}
  - {action: allow, scope: process, pid: 42}
  - {action: allow, port: "1024-65535"}
  - {action: allow, protocol: udp}
  - {action: allow, unit: "app-*.scope"}
)");
    const RuleIndex index(rules);
    EXPECT_EQ(index.size(), 12u);
    EXPECT_EQ(index.unkeyed_size(), 3u);
}

TEST(CompiledIndex, SaysWhetherAnyRuleNamesAnExecutablesIdentity) {
    EXPECT_FALSE(
        RuleIndex(testing::parse_clean("rules:\n  - {action: allow, process: /usr/bin/curl}\n"))
            .names_exe_identity());
    EXPECT_TRUE(RuleIndex(testing::parse_clean("rules:\n  - {action: allow, port: 80}\n"
                                               "  - {action: allow, package: curl}\n"))
                    .names_exe_identity());
    EXPECT_TRUE(RuleIndex(testing::parse_clean(
                              "rules:\n  - {action: deny, sha256: " + std::string(64, 'a') + "}\n"))
                    .names_exe_identity());
    EXPECT_FALSE(RuleIndex(std::vector<Rule>{}).names_exe_identity());
}

TEST(CompiledIndex, SharedGroupsKeepLoadOrderAcrossGroups) {
    auto first = std::make_shared<const std::vector<Rule>>(
        testing::parse_clean("rules:\n  - {id: a, action: allow, port: 443}\n"));
    auto second = std::make_shared<const std::vector<Rule>>(
        testing::parse_clean("rules:\n  - {id: b, action: allow, port: 443}\n"));
    const RuleIndex forward({first, nullptr, second});
    const RuleIndex backward({second, first});
    Connection connection;
    connection.remote_port = 443;
    ASSERT_EQ(forward.size(), 2u);
    EXPECT_EQ(forward.match(connection, kNow)->id, "a");
    EXPECT_EQ(backward.match(connection, kNow)->id, "b");
    EXPECT_EQ(&forward.rules()[0], &(*first)[0]);  // shared, not copied
}

}  // namespace
}  // namespace sluice
