#include "dbus/rule_dict.hpp"

#include <gtest/gtest.h>

#include "rules/rule_parser.hpp"

namespace sluice {
namespace {

using Strings = std::vector<std::string>;

Rule parse_one(const std::string& yaml) {
    Diagnostics diagnostics;
    auto rules = parse_rules(yaml, "test.yaml", diagnostics);
    EXPECT_TRUE(diagnostics.empty()) << diagnostics.front().to_string();
    EXPECT_EQ(rules.size(), 1u);
    return rules.front();
}

Result<Rule> rule_from(const VariantDict& dict) {
    auto draft = draft_from_dict(dict);
    if (!draft) {
        return draft.error();
    }
    return build_rule(*draft);
}

TEST(RuleDict, StringsIntegersAndArraysBecomeARule) {
    VariantDict dict;
    dict["id"] = sdbus::Variant(std::string("web"));
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["process"] = sdbus::Variant(std::string("/usr/bin/curl"));
    dict["host"] = sdbus::Variant(Strings{"example.com", "*.example.org"});
    dict["port"] = sdbus::Variant(std::vector<std::uint16_t>{80, 443});
    dict["local_port"] = sdbus::Variant(std::string("8000-9000"));
    dict["user"] = sdbus::Variant(std::uint32_t{1000});
    dict["priority"] = sdbus::Variant(std::int32_t{-5});
    dict["log"] = sdbus::Variant(true);
    auto rule = rule_from(dict);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_EQ(rule->id, "web");
    EXPECT_EQ(rule->action, Action::kAllow);
    EXPECT_EQ(rule->process->pattern(), "/usr/bin/curl");
    ASSERT_EQ(rule->hosts.size(), 2u);
    EXPECT_EQ(rule->hosts[1].to_string(), "*.example.org");
    ASSERT_EQ(rule->ports.size(), 2u);
    EXPECT_EQ(rule->ports[1].first, 443);
    EXPECT_EQ(rule->local_ports.front().last, 9000);
    ASSERT_EQ(rule->users.size(), 1u);
    EXPECT_EQ(*rule->users.front().id, 1000u);
    EXPECT_EQ(rule->priority, -5);
    EXPECT_TRUE(rule->log);
}

TEST(RuleDict, VariantInsideVariantIsUnwrapped) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(sdbus::Variant(std::string("deny")));
    auto rule = rule_from(dict);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_EQ(rule->action, Action::kDeny);
}

TEST(RuleDict, RuleWithoutIdGetsNoGeneratedId) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("deny"));
    auto rule = rule_from(dict);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_EQ(rule->id, "");
    EXPECT_FALSE(rule->id_generated);
}

TEST(RuleDict, UnknownKeyNamesTheKeyAndTheKnownOnes) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["colour"] = sdbus::Variant(std::string("red"));
    auto draft = draft_from_dict(dict);
    ASSERT_FALSE(draft);
    EXPECT_EQ(draft.error().what,
              "field 'colour': unknown key; rule keys are id, action, direction, process, "
              "package, sha256, user, group, unit, host, host_list, ip, ip_list, port, "
              "local_port, protocol, interface, expires, duration, created, scope, pid, "
              "priority, log, comment");
}

TEST(RuleDict, BadValueErrorNamesTheFieldAndTheParserReason) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["port"] = sdbus::Variant(std::uint32_t{70000});
    auto rule = rule_from(dict);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what, "field 'port': 'port' is 70000, out of range 0 to 65535");
}

TEST(RuleDict, UnsupportedTypeIsRefusedWithItsSignature) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["priority"] = sdbus::Variant(2.5);
    auto draft = draft_from_dict(dict);
    ASSERT_FALSE(draft);
    EXPECT_EQ(draft.error().what,
              "field 'priority': values must be strings, booleans, integers or arrays of "
              "strings or integers, not D-Bus type 'd'");
}

TEST(RuleDict, MissingActionIsReportedAsTheActionField) {
    VariantDict dict;
    dict["port"] = sdbus::Variant(std::uint16_t{80});
    auto rule = rule_from(dict);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what,
              "field 'action': rule has no 'action'; give allow, deny, reject or prompt");
}

TEST(RuleDict, CombinationErrorsPointAtTheLaterField) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["duration"] = sdbus::Variant(std::string("1h"));
    auto rule = rule_from(dict);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what,
              "field 'duration': 'duration' counts from 'created', which this rule lacks; give "
              "'created' or use 'expires'");
}

TEST(RuleDict, YamlSyntaxInValuesStaysText) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["comment"] = sdbus::Variant(std::string("x\"\n  - action: deny # {[&*!|>'%@`"));
    auto rule = rule_from(dict);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_EQ(rule->action, Action::kAllow);
    EXPECT_EQ(rule->comment, "x\"\n  - action: deny # {[&*!|>'%@`");
}

TEST(RuleDict, NonAsciiTextSurvives) {
    VariantDict dict;
    dict["action"] = sdbus::Variant(std::string("allow"));
    dict["comment"] = sdbus::Variant(std::string("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x94\xa5"));
    auto rule = rule_from(dict);
    ASSERT_TRUE(rule) << rule.error().what;
    EXPECT_EQ(rule->comment, "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x94\xa5");
}

TEST(RuleDraft, InvalidUtf8IsRefused) {
    RuleDraft draft;
    draft.set(RuleField::kAction, std::string("allow"));
    draft.set(RuleField::kComment, std::string("\xc3("));
    auto rule = build_rule(draft);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what, "field 'comment': not valid UTF-8");
}

TEST(RuleDraft, OneMegabyteStringIsRefusedBeforeParsing) {
    RuleDraft draft;
    draft.set(RuleField::kAction, std::string("allow"));
    draft.set(RuleField::kComment, std::string(1024 * 1024, 'a'));
    auto rule = build_rule(draft);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what, "rule is too large: 1048581 bytes of values, at most 65536");
}

TEST(RuleDraft, TooManyListItemsAreRefused) {
    RuleDraft draft;
    draft.set(RuleField::kAction, std::string("allow"));
    draft.set(RuleField::kPort, std::vector<std::int64_t>(2000, 80));
    auto rule = build_rule(draft);
    ASSERT_FALSE(rule);
    EXPECT_EQ(rule.error().what, "field 'port': more than 1024 items");
}

TEST(RuleDraft, SettingAFieldAgainReplacesItInPlace) {
    RuleDraft draft;
    draft.set(RuleField::kAction, std::string("allow"));
    draft.set(RuleField::kPort, std::int64_t{80});
    draft.set(RuleField::kAction, std::string("deny"));
    ASSERT_EQ(draft.entries().size(), 2u);
    EXPECT_EQ(draft.entries().front().field, RuleField::kAction);
    EXPECT_EQ(std::get<std::string>(draft.entries().front().value), "deny");
    auto yaml = render_rule_yaml(draft);
    ASSERT_TRUE(yaml);
    EXPECT_EQ(*yaml, "rules:\n  - action: \"deny\"\n    port: 80\n");
}

TEST(RuleDict, EveryFieldRoundTripsThroughADict) {
    const Rule original = parse_one(R"(rules:
  - id: everything
    action: reject
    direction: any
    process: /usr/lib/**/firefox
    package: firefox-esr
    sha256: 3F5A000000000000000000000000000000000000000000000000000000000001
    user: [alice, 1000]
    group: staff
    unit: "app-*.scope"
    host: [mozilla.org, "*.mozilla.net"]
    ip: [10.0.0.0/8, "2001:db8::/32"]
    port: [53, "8000-9000"]
    local_port: 5353
    protocol: [tcp, udp]
    interface: wlan0
    duration: 90s
    created: 2025-01-02T03:04:05Z
    scope: process
    pid: 4242
    priority: 7
    log: true
    comment: "free text"
)");
    const VariantDict dict = dict_from_rule(original, RuleFacts{"state", 12});
    EXPECT_EQ(dict.at("source").get<std::string>(), "state");
    EXPECT_EQ(dict.at("hits").get<std::uint64_t>(), 12u);
    EXPECT_EQ(dict.at("pid").get<std::uint32_t>(), 4242u);
    EXPECT_EQ(dict.at("port").get<Strings>(), (Strings{"53", "8000-9000"}));
    auto back = rule_from(dict);
    ASSERT_TRUE(back) << back.error().what;
    EXPECT_TRUE(same_definition(original, *back));
}

}  // namespace
}  // namespace sluice
