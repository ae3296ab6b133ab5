#include "rules/rule_parser.hpp"

#include <gtest/gtest.h>

#include "rules/timestamp.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

using testing::fake_lists;
using testing::parse;
using testing::parse_clean;
using Errors = std::vector<std::string>;

TEST(RuleParser, ParsesEveryFieldOfTheSpecExample) {
    const auto rules =
        parse_clean(R"(rules:
  - id: web-firefox
    action: allow
    direction: out
    process: /usr/lib/firefox/firefox
    package: firefox-esr
    sha256: 3F5A000000000000000000000000000000000000000000000000000000000001
    user: alice
    group: [staff, 100]
    unit: "app-firefox-*.scope"
    host: ["Mozilla.org", "*.mozilla.net."]
    host_list: /etc/sluice/lists/ads.txt
    ip: ["10.0.0.0/8", "2001:db8::/32", 192.0.2.7]
    ip_list: /etc/sluice/lists/bad-nets.txt
    port: [53, 443, "8000-9000"]
    local_port: 0
    protocol: [tcp, udp]
    interface: wlan0
    expires: 2026-12-24T18:00:00Z
    scope: forever
    priority: -5
    log: true
    comment: "free text"
)",
                    fake_lists({{"/etc/sluice/lists/ads.txt", "ads.example\n"},
                                {"/etc/sluice/lists/bad-nets.txt", "198.51.100.0/24\n"}}));
    ASSERT_EQ(rules.size(), 1u);
    const Rule& rule = rules[0];
    EXPECT_EQ(rule.id, "web-firefox");
    EXPECT_FALSE(rule.id_generated);
    EXPECT_EQ(rule.action, Action::kAllow);
    EXPECT_EQ(rule.direction, RuleDirection::kOut);
    ASSERT_TRUE(rule.process);
    EXPECT_EQ(rule.process->pattern(), "/usr/lib/firefox/firefox");
    EXPECT_EQ(rule.package, "firefox-esr");
    EXPECT_EQ(rule.sha256, "3f5a000000000000000000000000000000000000000000000000000000000001");
    EXPECT_EQ(rule.users, (std::vector<NameOrId>{{"alice", std::nullopt}}));
    EXPECT_EQ(rule.groups, (std::vector<NameOrId>{{"staff", std::nullopt}, {"", 100u}}));
    ASSERT_TRUE(rule.unit);
    EXPECT_EQ(rule.unit->pattern(), "app-firefox-*.scope");
    EXPECT_EQ(rule.hosts,
              (std::vector<HostPattern>{{"mozilla.org", false}, {"mozilla.net", true}}));
    EXPECT_EQ(rule.host_list_path, "/etc/sluice/lists/ads.txt");
    ASSERT_TRUE(rule.host_list);
    EXPECT_EQ(rule.host_list->size(), 1u);
    ASSERT_EQ(rule.ips.size(), 3u);
    EXPECT_EQ(rule.ips[0].to_string(), "10.0.0.0/8");
    EXPECT_EQ(rule.ips[1].to_string(), "2001:db8::/32");
    EXPECT_EQ(rule.ips[2].to_string(), "192.0.2.7/32");
    EXPECT_EQ(rule.ip_list_path, "/etc/sluice/lists/bad-nets.txt");
    ASSERT_TRUE(rule.ip_list);
    EXPECT_EQ(rule.ip_list->size(), 1u);
    EXPECT_EQ(rule.ports, (std::vector<PortRange>{{53, 53}, {443, 443}, {8000, 9000}}));
    EXPECT_EQ(rule.local_ports, (std::vector<PortRange>{{0, 0}}));
    EXPECT_EQ(rule.protocols, (std::vector<Protocol>{Protocol::kTcp, Protocol::kUdp}));
    EXPECT_EQ(rule.interface, "wlan0");
    ASSERT_TRUE(rule.expires);
    EXPECT_EQ(format_timestamp(*rule.expires), "2026-12-24T18:00:00Z");
    EXPECT_EQ(rule.scope, Scope::kForever);
    EXPECT_EQ(rule.priority, -5);
    EXPECT_TRUE(rule.log);
    EXPECT_EQ(rule.comment, "free text");
    EXPECT_EQ(rule.source, (RuleSource{"rules.yaml", 2, 5}));
}

TEST(RuleParser, AbsentFieldsTakeTheirDefaults) {
    const auto rules = parse_clean("rules:\n  - action: deny\n");
    ASSERT_EQ(rules.size(), 1u);
    const Rule& rule = rules[0];
    EXPECT_EQ(rule.direction, RuleDirection::kOut);
    EXPECT_EQ(rule.scope, Scope::kForever);
    EXPECT_EQ(rule.priority, 0);
    EXPECT_FALSE(rule.log);
    EXPECT_FALSE(rule.process);
    EXPECT_TRUE(rule.protocols.empty());
    EXPECT_FALSE(rule.expiry());
}

TEST(RuleParser, RulesWithoutIdGetFileNameAndPosition) {
    Diagnostics diagnostics;
    const auto rules = parse_rules(
        "rules:\n  - action: allow\n  - id: named\n    action: deny\n"
        "  - action: prompt\n",
        "/etc/sluice/rules.d/10-example.yaml", diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].id, "10-example.yaml#1");
    EXPECT_TRUE(rules[0].id_generated);
    EXPECT_EQ(rules[1].id, "named");
    EXPECT_EQ(rules[2].id, "10-example.yaml#3");
}

TEST(RuleParser, DuplicateIdInOneFileIsAnError) {
    const auto result = parse(R"(rules:
  - id: web
    action: allow
  - id: web
    action: deny
)");
    EXPECT_EQ(result.errors,
              Errors{"rules.yaml:4:9: error: rule id 'web' is already used by the rule at line 2"});
    ASSERT_EQ(result.rules.size(), 1u);
    EXPECT_EQ(result.rules[0].action, Action::kAllow);
}

TEST(RuleParser, GeneratedIdThatCollidesWithAnExplicitIdIsAnError) {
    const auto result = parse(R"(rules:
  - action: allow
  - id: "rules.yaml#1"
    action: deny
)");
    EXPECT_EQ(result.errors,
              Errors{"rules.yaml:2:5: error: this rule's generated id 'rules.yaml#1' is already "
                     "used by the rule at line 3; give this rule an 'id'"});
    ASSERT_EQ(result.rules.size(), 1u);
    EXPECT_EQ(result.rules[0].id, "rules.yaml#1");
    EXPECT_EQ(result.rules[0].action, Action::kDeny);
}

TEST(RuleParser, IdWithSpacesIsAnError) {
    EXPECT_EQ(parse("rules:\n  - id: my rule\n    action: allow\n").errors,
              Errors{"rules.yaml:2:9: error: 'id' must be 1 to 128 characters without spaces, not "
                     "'my rule'"});
}

TEST(RuleParser, EveryActionParses) {
    const auto rules = parse_clean(R"(rules:
  - action: allow
  - action: deny
  - action: reject
  - action: prompt
)");
    ASSERT_EQ(rules.size(), 4u);
    EXPECT_EQ(rules[0].action, Action::kAllow);
    EXPECT_EQ(rules[1].action, Action::kDeny);
    EXPECT_EQ(rules[2].action, Action::kReject);
    EXPECT_EQ(rules[3].action, Action::kPrompt);
}

TEST(RuleParser, UnknownActionAndMissingActionAreErrors) {
    EXPECT_EQ(parse("rules:\n  - action: permit\n  - port: 80\n").errors,
              (Errors{"rules.yaml:2:13: error: 'action' must be one of allow, deny, reject, "
                      "prompt, not 'permit'",
                      "rules.yaml:3:5: error: rule has no 'action'; give allow, deny, reject or "
                      "prompt"}));
}

TEST(RuleParser, DirectionAcceptsOutInAny) {
    const auto rules = parse_clean(R"(rules:
  - {action: allow, direction: out}
  - {action: allow, direction: in}
  - {action: allow, direction: any}
)");
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].direction, RuleDirection::kOut);
    EXPECT_EQ(rules[1].direction, RuleDirection::kIn);
    EXPECT_EQ(rules[2].direction, RuleDirection::kAny);
    EXPECT_EQ(
        parse("rules:\n  - {action: allow, direction: both}\n").errors,
        Errors{"rules.yaml:2:32: error: 'direction' must be one of out, in, any, not 'both'"});
}

TEST(RuleParser, RelativeProcessPathIsAnError) {
    EXPECT_EQ(parse("rules:\n  - action: allow\n    process: firefox\n").errors,
              Errors{"rules.yaml:3:14: error: 'process' must be an absolute path such as "
                     "/usr/bin/curl, not 'firefox'"});
}

TEST(RuleParser, ProcessEndingInSlashIsAnErrorWithAHint) {
    EXPECT_EQ(parse("rules:\n  - action: allow\n    process: /usr/lib/\n").errors,
              Errors{"rules.yaml:3:14: error: 'process' '/usr/lib/' ends with '/'; write "
                     "'/usr/lib/**' to match every program below it"});
}

TEST(RuleParser, TripleStarInProcessIsAnError) {
    EXPECT_EQ(parse("rules:\n  - action: allow\n    process: /opt/***/app\n").errors,
              Errors{"rules.yaml:3:14: error: 'process': '/opt/***/app' has '***'; use '*' "
                     "within a path component or '**' across them"});
}

TEST(RuleParser, PackageMustBeADebianPackageName) {
    EXPECT_EQ(parse_clean("rules:\n  - {action: allow, package: \"libc6:amd64\"}\n")[0].package,
              "libc6:amd64");
    EXPECT_EQ(parse("rules:\n  - action: allow\n    package: Firefox ESR\n").errors,
              Errors{"rules.yaml:3:14: error: 'package' must be a Debian package name such as "
                     "firefox-esr, not 'Firefox ESR'"});
}

TEST(RuleParser, Sha256MustBe64HexDigits) {
    EXPECT_EQ(parse("rules:\n  - action: allow\n    sha256: 3f5a\n").errors,
              Errors{"rules.yaml:3:13: error: 'sha256' must be 64 hexadecimal digits, not '3f5a'"});
}

TEST(RuleParser, UserAndGroupTakeNamesIdsAndLists) {
    const auto rules = parse_clean(R"(rules:
  - {action: allow, user: 0, group: root}
  - {action: allow, user: [alice, "1000", bob$]}
)");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].users, (std::vector<NameOrId>{{"", 0u}}));
    EXPECT_EQ(rules[0].groups, (std::vector<NameOrId>{{"root", std::nullopt}}));
    EXPECT_EQ(rules[1].users, (std::vector<NameOrId>{
                                  {"alice", std::nullopt}, {"", 1000u}, {"bob$", std::nullopt}}));
}

TEST(RuleParser, BadUserAndGroupValuesAreErrors) {
    EXPECT_EQ(parse(R"(rules:
  - action: allow
    user: [alice, "a b"]
    group: 4294967295
)")
                  .errors,
              (Errors{"rules.yaml:3:19: error: 'user': 'a b' is not a valid name or numeric id",
                      "rules.yaml:4:12: error: 'group': id '4294967295' is out of range 0 to "
                      "4294967294"}));
}

TEST(RuleParser, UnitIsAGlob) {
    const auto rules = parse_clean("rules:\n  - {action: allow, unit: \"app-*.scope\"}\n");
    ASSERT_TRUE(rules[0].unit);
    EXPECT_TRUE(rules[0].unit->matches("app-firefox-1234.scope"));
}

TEST(RuleParser, HostNamesAreLowerCasedAndValidated) {
    const auto rules = parse_clean("rules:\n  - {action: allow, host: [WWW.Example.COM.]}\n");
    EXPECT_EQ(rules[0].hosts, (std::vector<HostPattern>{{"www.example.com", false}}));
    EXPECT_EQ(parse(R"(rules:
  - action: allow
    host: ["a*.example.com", "bücher.de", "a..b"]
)")
                  .errors,
              (Errors{"rules.yaml:3:12: error: 'host': 'a*.example.com' may use '*' only as a "
                      "leading '*.' meaning every subdomain",
                      "rules.yaml:3:30: error: 'host': 'bücher.de' is not ASCII; write "
                      "international names in their xn-- form",
                      // Columns count bytes, as yaml-cpp does: 'ü' is two.
                      "rules.yaml:3:44: error: 'host': 'a..b' has an empty label"}));
}

TEST(RuleParser, ListPathsMustBeAbsolute) {
    EXPECT_EQ(parse(R"(rules:
  - action: deny
    host_list: lists/ads.txt
    ip_list: nets.txt
)")
                  .errors,
              (Errors{"rules.yaml:3:16: error: 'host_list' must be an absolute path, not "
                      "'lists/ads.txt'",
                      "rules.yaml:4:14: error: 'ip_list' must be an absolute path, not "
                      "'nets.txt'"}));
}

TEST(RuleParser, UnreadableListIsAnErrorAtTheRule) {
    EXPECT_EQ(parse("rules:\n  - action: deny\n    host_list: /nonexistent/ads.txt\n").errors,
              Errors{"rules.yaml:3:16: error: cannot read 'host_list' file "
                     "'/nonexistent/ads.txt': No such file or directory"});
}

TEST(RuleParser, ListWithBadLinesDropsTheRuleAndReportsTheLines) {
    const auto result = parse(R"(rules:
  - action: deny
    ip_list: /lists/nets.txt
  - action: deny
    ip_list: /lists/nets.txt
)",
                              fake_lists({{"/lists/nets.txt", "10.0.0.0/8\n  10.0.0.1/8\n"}}));
    EXPECT_TRUE(result.rules.empty());
    EXPECT_EQ(result.errors,
              (Errors{"/lists/nets.txt:2:3: error: '10.0.0.1/8' has host bits set beyond the "
                      "prefix length",
                      "rules.yaml:3:14: error: 'ip_list' file '/lists/nets.txt' has errors",
                      "rules.yaml:5:14: error: 'ip_list' file '/lists/nets.txt' has errors"}));
}

TEST(RuleParser, RulesNamingTheSameListShareOneCopy) {
    const auto rules = parse_clean(R"(rules:
  - {action: deny, host_list: /lists/ads.txt}
  - {action: deny, host_list: /lists/ads.txt, port: 443}
)",
                                   fake_lists({{"/lists/ads.txt", "ads.example\n"}}));
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].host_list.get(), rules[1].host_list.get());
}

TEST(RuleParser, BadIpValuesAreErrors) {
    EXPECT_EQ(parse(R"(rules:
  - action: deny
    ip: [300.1.1.1, 10.0.0.0/33, 10.0.0.1/8, "2001:db8::/129"]
)")
                  .errors,
              (Errors{"rules.yaml:3:10: error: 'ip': '300.1.1.1' is not an IP address",
                      "rules.yaml:3:21: error: 'ip': prefix length '33' must be 0 to 32",
                      "rules.yaml:3:34: error: 'ip': '10.0.0.1/8' has host bits set beyond the "
                      "prefix length",
                      "rules.yaml:3:46: error: 'ip': prefix length '129' must be 0 to 128"}));
}

TEST(RuleParser, IPv4MappedIPv6AddressParsesAsIPv4) {
    const auto rules = parse_clean("rules:\n  - {action: deny, ip: \"::ffff:192.0.2.7\"}\n");
    ASSERT_EQ(rules[0].ips.size(), 1u);
    EXPECT_TRUE(rules[0].ips[0].address.is_v4());
    EXPECT_EQ(rules[0].ips[0].to_string(), "192.0.2.7/32");
}

TEST(RuleParser, PortsZeroAnd65535AreValid) {
    const auto rules = parse_clean("rules:\n  - {action: allow, port: [0, 65535, \"0-65535\"]}\n");
    EXPECT_EQ(rules[0].ports, (std::vector<PortRange>{{0, 0}, {65535, 65535}, {0, 65535}}));
}

TEST(RuleParser, Port65536IsAnError) {
    EXPECT_EQ(parse(R"(rules:
  - action: allow
    protocol: tcp
    port: 65536
)")
                  .errors,
              Errors{"rules.yaml:4:11: error: 'port' is 65536, out of range 0 to 65535"});
}

TEST(RuleParser, BadPortValuesAreErrors) {
    EXPECT_EQ(parse(R"(rules:
  - action: allow
    port: [-1, "9000-8000", "1-70000", http]
    local_port: []
)")
                  .errors,
              (Errors{"rules.yaml:3:12: error: 'port' must be a port 0 to 65535 or a range such "
                      "as 8000-9000, not '-1'",
                      "rules.yaml:3:16: error: 'port' range '9000-8000' starts above its end",
                      "rules.yaml:3:29: error: 'port' range '1-70000' is out of range 0 to 65535",
                      "rules.yaml:3:40: error: 'port' must be a port 0 to 65535 or a range such "
                      "as 8000-9000, not 'http'",
                      "rules.yaml:4:17: error: 'local_port' must not be an empty list"}));
}

TEST(RuleParser, ProtocolAnyMeansEveryProtocol) {
    const auto rules = parse_clean(R"(rules:
  - {action: allow, protocol: [icmp, icmpv6]}
  - {action: allow, protocol: [tcp, any]}
)");
    EXPECT_EQ(rules[0].protocols, (std::vector<Protocol>{Protocol::kIcmp, Protocol::kIcmpV6}));
    EXPECT_TRUE(rules[1].protocols.empty());
    EXPECT_EQ(parse("rules:\n  - {action: allow, protocol: sctp}\n").errors,
              Errors{"rules.yaml:2:31: error: 'protocol' must be one of tcp, udp, icmp, icmpv6, "
                     "any, not 'sctp'"});
}

TEST(RuleParser, InterfaceNameIsValidated) {
    EXPECT_EQ(parse("rules:\n  - {action: allow, interface: averyveryverylongname0}\n").errors,
              Errors{"rules.yaml:2:32: error: 'interface' must be a network interface name of 1 "
                     "to 15 characters, not 'averyveryverylongname0'"});
}

TEST(RuleParser, ExpiresMustBeAnRfc3339Time) {
    EXPECT_EQ(parse("rules:\n  - action: allow\n    expires: tomorrow\n").errors,
              Errors{"rules.yaml:3:14: error: 'expires' must be an RFC 3339 time such as "
                     "2026-12-24T18:00:00Z (years 1970 to 2200), not 'tomorrow'"});
}

TEST(RuleParser, ExpiresTogetherWithDurationIsAnError) {
    EXPECT_EQ(parse(R"(rules:
  - action: allow
    expires: 2026-12-24T18:00:00Z
    created: 2026-12-24T17:00:00Z
    duration: 1h
)")
                  .errors,
              Errors{"rules.yaml:5:5: error: 'expires' and 'duration' cannot both be given; use "
                     "one"});
}

TEST(RuleParser, DurationCountsFromCreated) {
    const auto rules = parse_clean(R"(rules:
  - action: allow
    created: 2026-12-24T17:00:00Z
    duration: 90m
)");
    ASSERT_TRUE(rules[0].expiry());
    EXPECT_EQ(format_timestamp(*rules[0].expiry()), "2026-12-24T18:30:00Z");
}

TEST(RuleParser, DurationWithoutCreatedIsAnError) {
    EXPECT_EQ(parse("rules:\n  - action: allow\n    duration: 1h\n").errors,
              Errors{"rules.yaml:3:5: error: 'duration' counts from 'created', which this rule "
                     "lacks; give 'created' or use 'expires'"});
    EXPECT_EQ(parse("rules:\n  - {action: allow, created: 2026-01-01T00:00:00Z, duration: soon}\n")
                  .errors,
              Errors{"rules.yaml:2:62: error: 'duration' must be a duration such as 500ms, 20s, "
                     "5m, 1h or 7d, not 'soon'"});
}

TEST(RuleParser, PidNeedsScopeProcessAndScopeProcessNeedsPid) {
    const auto rules = parse_clean("rules:\n  - {action: allow, scope: process, pid: 4242}\n");
    EXPECT_EQ(rules[0].scope, Scope::kProcess);
    EXPECT_EQ(rules[0].pid, 4242u);
    EXPECT_EQ(parse(R"(rules:
  - {action: allow, scope: session, pid: 4242}
  - {action: allow, pid: 4242}
  - {action: allow, scope: process}
  - {action: allow, scope: process, pid: 0}
)")
                  .errors,
              (Errors{"rules.yaml:2:37: error: 'pid' is only allowed with 'scope: process'",
                      "rules.yaml:3:21: error: 'pid' is only allowed with 'scope: process'",
                      "rules.yaml:4:28: error: 'scope: process' needs a 'pid'",
                      "rules.yaml:5:42: error: 'pid' is 0, out of range 1 to 4194304"}));
}

TEST(RuleParser, EveryScopeParses) {
    const auto rules = parse_clean(R"(rules:
  - {action: allow, scope: once}
  - {action: allow, scope: session}
  - {action: allow, scope: until-restart}
  - {action: allow, scope: forever}
)");
    EXPECT_EQ(rules[0].scope, Scope::kOnce);
    EXPECT_EQ(rules[1].scope, Scope::kSession);
    EXPECT_EQ(rules[2].scope, Scope::kUntilRestart);
    EXPECT_EQ(rules[3].scope, Scope::kForever);
}

TEST(RuleParser, PriorityLogAndCommentAreChecked) {
    EXPECT_EQ(parse(R"(rules:
  - action: allow
    priority: high
    log: yes
    comment: [a, b]
)")
                  .errors,
              (Errors{"rules.yaml:3:15: error: 'priority' must be an integer from -2147483648 to "
                      "2147483647, not 'high'",
                      "rules.yaml:4:10: error: 'log' must be true or false",
                      "rules.yaml:5:14: error: 'comment' must be a single value"}));
}

TEST(RuleParser, UnknownAndDuplicateFieldsAreErrors) {
    const auto result = parse(R"(rules:
  - action: allow
    procss: /usr/bin/curl
    port: 80
    port: 443
)");
    EXPECT_EQ(result.errors, (Errors{"rules.yaml:3:5: error: unknown key 'procss' in rule",
                                     "rules.yaml:5:5: error: duplicate key 'port' in rule"}));
    EXPECT_TRUE(result.rules.empty());
}

TEST(RuleParser, ReportsEveryErrorOfAFileAndKeepsTheGoodRules) {
    const auto result = parse(R"(rules:
  - id: good-1
    action: allow
  - action: maybe
  - id: good-2
    action: deny
    port: 22
  - action: deny
    ip: 10.0.0.0/40
)");
    EXPECT_EQ(result.errors,
              (Errors{"rules.yaml:4:13: error: 'action' must be one of allow, deny, reject, "
                      "prompt, not 'maybe'",
                      "rules.yaml:9:9: error: 'ip': prefix length '40' must be 0 to 32"}));
    ASSERT_EQ(result.rules.size(), 2u);
    EXPECT_EQ(result.rules[0].id, "good-1");
    EXPECT_EQ(result.rules[1].id, "good-2");
}

TEST(RuleParser, EmptyAndCommentOnlyFilesHaveNoRules) {
    EXPECT_TRUE(parse_clean("").empty());
    EXPECT_TRUE(parse_clean("# nothing yet\n").empty());
    EXPECT_TRUE(parse_clean("rules:\n").empty());
    EXPECT_TRUE(parse_clean("rules: []\n").empty());
}

TEST(RuleParser, TopLevelShapeIsChecked) {
    EXPECT_EQ(parse("- action: allow\n").errors,
              Errors{"rules.yaml:1:1: error: a rules file must be a mapping with a 'rules:' list"});
    EXPECT_EQ(parse("rule:\n  - action: allow\n").errors,
              (Errors{"rules.yaml:1:1: error: unknown key 'rule' in rules file",
                      "rules.yaml:1:1: error: rules file has no 'rules:' list"}));
    EXPECT_EQ(parse("rules: {action: allow}\n").errors,
              Errors{"rules.yaml:1:8: error: 'rules' must be a list of rules"});
    EXPECT_EQ(parse("rules:\n  - allow\n").errors,
              Errors{"rules.yaml:2:5: error: rule must be a mapping of keys to values"});
}

TEST(RuleParser, YamlSyntaxErrorHasItsPosition) {
    EXPECT_EQ(parse("rules:\n  - action: [allow\n").errors,
              Errors{"rules.yaml:3:1: error: end of sequence flow not found"});
}

TEST(RuleParser, LoadRuleFileReportsAMissingFile) {
    Diagnostics diagnostics;
    EXPECT_TRUE(load_rule_file("/nonexistent/rules.yaml", diagnostics).empty());
    EXPECT_EQ(testing::to_strings(diagnostics),
              Errors{"/nonexistent/rules.yaml:0:0: error: cannot read file: No such file or "
                     "directory"});
}

TEST(RuleParser, LoadRuleFileReadsListsFromDisk) {
    testing::TempDir dir;
    const auto list = dir.write("ads.txt", "# ads\n0.0.0.0 ads.example\n");
    const auto file =
        dir.write("10-ads.yaml", "rules:\n  - action: deny\n    host_list: " + list + "\n");
    Diagnostics diagnostics;
    const auto rules = load_rule_file(file, diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].id, "10-ads.yaml#1");
    ASSERT_TRUE(rules[0].host_list);
    EXPECT_TRUE(rules[0].host_list->match("ads.example"));
}

}  // namespace
}  // namespace sluice
