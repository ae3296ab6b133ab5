#include "dbus/prompt_answer.hpp"

#include <gtest/gtest.h>

#include "dbus/connection_dict.hpp"
#include "dbus/fw_daemon_rule.hpp"
#include "rules/rule_parser.hpp"

namespace sluice {
namespace {

using Strings = std::vector<std::string>;

Connection curl_connection() {
    Connection connection;
    connection.direction = Direction::kOut;
    connection.protocol = Protocol::kTcp;
    connection.local_address = *IpAddress::parse("10.77.0.1");
    connection.remote_address = *IpAddress::parse("10.77.0.2");
    connection.local_port = 40000;
    connection.remote_port = 443;
    connection.uid = 1000;
    connection.gid = 1000;
    connection.user_name = "alice";
    connection.pid = 4242;
    connection.exe = "/usr/bin/curl";
    connection.cmdline = {"curl", "https://www.example.com/"};
    connection.host_names = {"www.example.com"};
    return connection;
}

const TimePoint kNow = *parse_timestamp("2025-06-01T12:00:00Z");

VariantDict decision(const std::string& action, const std::string& scope) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(action);
    dict["scope"] = sdbus::Variant(scope);
    return dict;
}

TEST(PromptAnswer, AllowForeverMakesAnExactRuleForProgramUserHostAndPort) {
    auto answer = answer_from_dict(decision("allow", "forever"));
    ASSERT_TRUE(answer) << answer.error().what;
    auto rule = rule_for_answer(*answer, curl_connection(), kNow);
    ASSERT_TRUE(rule) << rule.error().what;
    ASSERT_TRUE(rule->has_value());
    const Rule& made = **rule;
    EXPECT_EQ(made.action, Action::kAllow);
    EXPECT_EQ(made.process->pattern(), "/usr/bin/curl");
    ASSERT_EQ(made.users.size(), 1u);
    EXPECT_EQ(made.users.front().to_string(), "1000");
    ASSERT_EQ(made.hosts.size(), 1u);
    EXPECT_EQ(made.hosts.front().to_string(), "www.example.com");
    ASSERT_EQ(made.ports.size(), 1u);
    EXPECT_EQ(made.ports.front().first, 443);
    ASSERT_EQ(made.protocols.size(), 1u);
    EXPECT_EQ(made.protocols.front(), Protocol::kTcp);
    EXPECT_EQ(made.scope, Scope::kForever);
    EXPECT_EQ(made.created, kNow);
}

TEST(PromptAnswer, OnceMakesNoRule) {
    auto answer = answer_from_dict(decision("deny", "once"));
    ASSERT_TRUE(answer);
    auto rule = rule_for_answer(*answer, curl_connection(), kNow);
    ASSERT_TRUE(rule);
    EXPECT_FALSE(rule->has_value());
}

TEST(PromptAnswer, MissingScopeMeansOnce) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    auto answer = answer_from_dict(dict);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->scope, Scope::kOnce);
}

TEST(PromptAnswer, DomainWidthAndDurationWidenTheRule) {
    auto dict = decision("allow", "session");
    dict["match_host"] = sdbus::Variant(std::string("domain"));
    dict["match_port"] = sdbus::Variant(false);
    dict["match_user"] = sdbus::Variant(false);
    dict["duration"] = sdbus::Variant(std::string("1h"));
    auto answer = answer_from_dict(dict);
    ASSERT_TRUE(answer) << answer.error().what;
    auto rule = rule_for_answer(*answer, curl_connection(), kNow);
    ASSERT_TRUE(rule) << rule.error().what;
    const Rule& made = **rule;
    ASSERT_EQ(made.hosts.size(), 2u);
    EXPECT_EQ(made.hosts[0].to_string(), "example.com");
    EXPECT_EQ(made.hosts[1].to_string(), "*.example.com");
    EXPECT_TRUE(made.ports.empty());
    EXPECT_TRUE(made.users.empty());
    EXPECT_EQ(made.scope, Scope::kSession);
    EXPECT_EQ(made.expiry(), kNow + std::chrono::hours(1));
}

TEST(PromptAnswer, WithoutAHostNameTheRuleNamesTheAddress) {
    auto connection = curl_connection();
    connection.host_names.clear();
    auto answer = answer_from_dict(decision("deny", "forever"));
    ASSERT_TRUE(answer);
    auto rule = rule_for_answer(*answer, connection, kNow);
    ASSERT_TRUE(rule) << rule.error().what;
    ASSERT_EQ((*rule)->ips.size(), 1u);
    EXPECT_EQ((*rule)->ips.front().to_string(), "10.77.0.2/32");
    EXPECT_TRUE((*rule)->hosts.empty());
}

TEST(PromptAnswer, ProcessScopeCarriesThePid) {
    auto answer = answer_from_dict(decision("allow", "process"));
    ASSERT_TRUE(answer);
    auto rule = rule_for_answer(*answer, curl_connection(), kNow);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_EQ((*rule)->scope, Scope::kProcess);
    EXPECT_EQ((*rule)->pid, 4242u);
}

TEST(PromptAnswer, ProcessScopeWithoutAKnownProcessIsAnError) {
    auto connection = curl_connection();
    connection.pid.reset();
    auto answer = answer_from_dict(decision("allow", "process"));
    ASSERT_TRUE(answer);
    auto rule = rule_for_answer(*answer, connection, kNow);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what, "scope process needs the connection's process, which is unknown");
}

TEST(PromptAnswer, BadDecisionsAreErrorsWithTheReason) {
    EXPECT_EQ(answer_from_dict({}).error().what, "decision has no 'action'");
    EXPECT_EQ(answer_from_dict(decision("maybe", "once")).error().what,
              "decision 'action' must be allow, deny or reject, not 'maybe'");
    EXPECT_EQ(answer_from_dict(decision("prompt", "once")).error().what,
              "decision 'action' must be allow, deny or reject, not 'prompt'");
    EXPECT_EQ(answer_from_dict(decision("allow", "always")).error().what,
              "decision 'scope' must be once, process, session, until-restart or forever, not "
              "'always'");
    VariantDict wrong_type;
    wrong_type["action"] = sdbus::Variant(std::int32_t{1});
    EXPECT_EQ(answer_from_dict(wrong_type).error().what,
              "decision key 'action' must be a string, not D-Bus type 'i'");
    auto bad_width = decision("allow", "forever");
    bad_width["match_host"] = sdbus::Variant(std::string("wide"));
    EXPECT_EQ(answer_from_dict(bad_width).error().what,
              "decision 'match_host' must be exact, domain or any, not 'wide'");
}

TEST(PromptAnswer, UnknownDecisionKeysAreIgnored) {
    auto dict = decision("allow", "once");
    dict["remember_window_size"] = sdbus::Variant(true);
    EXPECT_TRUE(answer_from_dict(dict));
}

TEST(FwDaemonAnswer, AllowHostPortForeverMakesThatRule) {
    auto answer = answer_from_fw_daemon(3, "ALLOW|10.77.0.2:8080|");
    ASSERT_TRUE(answer) << answer.error().what;
    EXPECT_EQ(answer->action, Action::kAllow);
    EXPECT_EQ(answer->scope, Scope::kForever);
    auto rule = rule_for_answer(*answer, curl_connection(), kNow);
    ASSERT_TRUE(rule) << rule.error().what;
    ASSERT_EQ((*rule)->ips.size(), 1u);
    EXPECT_EQ((*rule)->ips.front().to_string(), "10.77.0.2/32");
    ASSERT_EQ((*rule)->ports.size(), 1u);
    EXPECT_EQ((*rule)->ports.front().first, 8080);
}

TEST(FwDaemonAnswer, WildcardsAndProtocolPrefix) {
    auto answer = answer_from_fw_daemon(1, "DENY|udp:*:*");
    ASSERT_TRUE(answer) << answer.error().what;
    EXPECT_EQ(answer->action, Action::kDeny);
    EXPECT_EQ(answer->scope, Scope::kSession);
    auto rule = rule_for_answer(*answer, curl_connection(), kNow);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_TRUE((*rule)->hosts.empty());
    EXPECT_TRUE((*rule)->ips.empty());
    EXPECT_TRUE((*rule)->ports.empty());
    EXPECT_EQ((*rule)->protocols, std::vector<Protocol>{Protocol::kUdp});
}

TEST(FwDaemonAnswer, BracketedIpv6Target) {
    auto answer = answer_from_fw_daemon(0, "ALLOW|[fd77::2]:80|sandbox");
    ASSERT_TRUE(answer) << answer.error().what;
    EXPECT_EQ(*answer->target_host, "fd77::2");
    EXPECT_EQ(*answer->target_port, 80);
}

TEST(FwDaemonAnswer, BadRepliesAreErrors) {
    EXPECT_EQ(answer_from_fw_daemon(7, "ALLOW|a:1").error().what,
              "prompt scope must be 0 (once), 1 (session), 2 (process) or 3 (forever), not 7");
    EXPECT_EQ(answer_from_fw_daemon(0, "ALLOW").error().what,
              "prompt rule must read VERB|host:port, not 'ALLOW'");
    EXPECT_EQ(answer_from_fw_daemon(0, "MAYBE|a:1").error().what,
              "prompt rule verb must be ALLOW or DENY, not 'MAYBE'");
    EXPECT_EQ(answer_from_fw_daemon(0, "ALLOW|host").error().what,
              "prompt rule target must be host:port, not 'host'");
    EXPECT_EQ(answer_from_fw_daemon(0, "ALLOW|host:99999").error().what,
              "prompt rule target port must be 0 to 65535 or *, not '99999'");
}

TEST(ConnectionDict, HasTheSpecKeysWithTheirTypes) {
    const VariantDict dict = connection_dict(curl_connection());
    EXPECT_EQ(dict.at("pid").peekValueType(), "u");
    EXPECT_EQ(dict.at("exe").get<std::string>(), "/usr/bin/curl");
    EXPECT_EQ(dict.at("cmdline").get<Strings>(), (Strings{"curl", "https://www.example.com/"}));
    EXPECT_EQ(dict.at("uid").get<std::uint32_t>(), 1000u);
    EXPECT_EQ(dict.at("user").get<std::string>(), "alice");
    EXPECT_EQ(dict.at("protocol").get<std::string>(), "tcp");
    EXPECT_EQ(dict.at("src").get<std::string>(), "10.77.0.1");
    EXPECT_EQ(dict.at("sport").get<std::uint16_t>(), 40000);
    EXPECT_EQ(dict.at("dst").get<std::string>(), "10.77.0.2");
    EXPECT_EQ(dict.at("dport").get<std::uint16_t>(), 443);
    EXPECT_EQ(dict.at("host").get<std::string>(), "www.example.com");
    EXPECT_EQ(dict.at("direction").get<std::string>(), "out");
}

TEST(ConnectionDict, InboundConnectionsShowTheRemoteSideAsSource) {
    auto connection = curl_connection();
    connection.direction = Direction::kIn;
    connection.local_port = 22;
    connection.remote_port = 51000;
    const VariantDict dict = connection_dict(connection);
    EXPECT_EQ(dict.at("src").get<std::string>(), "10.77.0.2");
    EXPECT_EQ(dict.at("sport").get<std::uint16_t>(), 51000);
    EXPECT_EQ(dict.at("dst").get<std::string>(), "10.77.0.1");
    EXPECT_EQ(dict.at("dport").get<std::uint16_t>(), 22);
}

TEST(FwPromptRequest, CarriesFwDaemonsNineteenArguments) {
    const auto request = fw_prompt_request(curl_connection(), FwPromptOptions{true, false, 3});
    EXPECT_EQ(request.application, "curl");
    EXPECT_EQ(request.path, "/usr/bin/curl");
    EXPECT_EQ(request.address, "www.example.com");
    EXPECT_EQ(request.port, 443);
    EXPECT_EQ(request.ip, "10.77.0.2");
    EXPECT_EQ(request.origin, "10.77.0.1");
    EXPECT_EQ(request.proto, "tcp");
    EXPECT_EQ(request.uid, 1000);
    EXPECT_EQ(request.user, "alice");
    EXPECT_EQ(request.pid, 4242);
    EXPECT_TRUE(request.expanded);
    EXPECT_FALSE(request.expert);
    EXPECT_EQ(request.action, 3);
}

Rule parse_one(const std::string& yaml, const std::string& file = "state.yaml") {
    Diagnostics diagnostics;
    auto rules = parse_rules(yaml, file, diagnostics);
    EXPECT_TRUE(diagnostics.empty()) << diagnostics.front().to_string();
    return rules.at(0);
}

TEST(FwDaemonRule, ShowsVerbTargetModeAndPath) {
    const Rule rule = parse_one(R"(rules:
  - id: a
    action: allow
    process: /usr/bin/curl
    host: example.com
    port: 443
    protocol: tcp
    user: alice
)");
    const auto shown = fw_daemon_rule(7, rule, false);
    ASSERT_TRUE(shown);
    EXPECT_EQ(std::get<0>(*shown), 7u);
    EXPECT_EQ(std::get<3>(*shown), "tcp");
    EXPECT_EQ(std::get<5>(*shown), "alice");
    EXPECT_EQ(std::get<6>(*shown), "curl");
    EXPECT_EQ(std::get<7>(*shown), "/usr/bin/curl");
    EXPECT_EQ(std::get<8>(*shown), kFwVerbAllow);
    EXPECT_EQ(std::get<9>(*shown), "example.com:443");
    EXPECT_EQ(std::get<10>(*shown), kFwModePermanent);
    EXPECT_EQ(std::get<10>(*fw_daemon_rule(7, rule, true)), kFwModeSystem);
}

TEST(FwDaemonRule, SingleAddressesShowWithoutPrefixLength) {
    const Rule v4 = parse_one("rules:\n  - action: deny\n    ip: 10.0.0.1\n");
    EXPECT_EQ(std::get<9>(*fw_daemon_rule(1, v4, false)), "10.0.0.1:*");
    EXPECT_EQ(std::get<8>(*fw_daemon_rule(1, v4, false)), kFwVerbDeny);
    const Rule v6 = parse_one("rules:\n  - action: allow\n    ip: \"fd77::2\"\n    port: 80\n");
    EXPECT_EQ(std::get<9>(*fw_daemon_rule(1, v6, false)), "[fd77::2]:80");
    const Rule net = parse_one("rules:\n  - action: allow\n    ip: 10.0.0.0/8\n");
    EXPECT_EQ(std::get<9>(*fw_daemon_rule(1, net, false)), "10.0.0.0/8:*");
    EXPECT_EQ(std::get<1>(*fw_daemon_rule(1, net, false)), "10.0.0.0/8");
}

TEST(FwDaemonRule, PromptRulesHaveNoFwDaemonForm) {
    EXPECT_FALSE(fw_daemon_rule(1, parse_one("rules:\n  - action: prompt\n"), false));
}

TEST(FwDaemonRule, UpdateChangesVerbTargetAndMode) {
    const Rule rule = parse_one(R"(rules:
  - id: a
    action: allow
    process: /usr/bin/curl
    host: example.com
    port: 443
)");
    const FwDaemonRule update(1, "", "", "", 0, "", "curl", "/usr/bin/curl", kFwVerbDeny,
                              "10.0.0.1:*", kFwModeSession, "");
    auto draft = apply_fw_daemon_update(rule, update);
    ASSERT_TRUE(draft) << draft.error().what;
    auto changed = build_rule(*draft);
    ASSERT_TRUE(changed) << changed.error().what;
    EXPECT_EQ(changed->id, "a");
    EXPECT_EQ(changed->action, Action::kDeny);
    EXPECT_TRUE(changed->hosts.empty());
    ASSERT_EQ(changed->ips.size(), 1u);
    EXPECT_EQ(changed->ips.front().to_string(), "10.0.0.1/32");
    EXPECT_TRUE(changed->ports.empty());
    EXPECT_EQ(changed->scope, Scope::kSession);
}

TEST(FwDaemonRule, UpdateWithBadVerbOrModeIsAnError) {
    const Rule rule = parse_one("rules:\n  - id: a\n    action: allow\n");
    const FwDaemonRule bad_verb(1, "", "", "", 0, "", "", "", 9, "*:*", kFwModePermanent, "");
    EXPECT_EQ(apply_fw_daemon_update(rule, bad_verb).error().what,
              "verb must be 0 (DENY) or 1 (ALLOW), not 9");
    const FwDaemonRule system(1, "", "", "", 0, "", "", "", kFwVerbAllow, "*:*", kFwModeSystem, "");
    EXPECT_EQ(apply_fw_daemon_update(rule, system).error().what,
              "mode must be 0 (SESSION), 1 (PROCESS) or 2 (PERMANENT), not 3");
}

}  // namespace
}  // namespace sluice
