#include "rules/rule_writer.hpp"

#include <gtest/gtest.h>

#include "rules/rule_fields.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

using testing::fake_lists;
using testing::parse_clean;

const auto kLists =
    fake_lists({{"/lists/ads.txt", "ads.example\n"}, {"/lists/nets.txt", "10.0.0.0/8\n"}});

// Two rules that together give every field a value other than its default.
constexpr std::string_view kEveryField = R"(rules:
  - id: full
    action: reject
    direction: any
    process: "/usr/lib/firefox/**"
    package: "firefox-esr:amd64"
    sha256: 3F5AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1
    user: [alice, 1000]
    group: [staff, 27]
    unit: "app-firefox-*.scope"
    host: ["mozilla.org", "*.mozilla.net"]
    host_list: /lists/ads.txt
    ip: ["10.0.0.0/8", "2001:db8::/32", 192.0.2.7, "::ffff:198.51.100.0/24"]
    ip_list: /lists/nets.txt
    port: [0, 443, "8000-9000", 65535]
    local_port: ["1024-65535"]
    protocol: [tcp, udp, icmp, icmpv6]
    interface: wlan0
    expires: 2026-12-24T18:00:00.25Z
    priority: -7
    log: true
    comment: "free text"
  - action: allow
    direction: in
    created: 2026-01-02T03:04:05+02:00
    duration: 90s
    scope: process
    pid: 4242
)";

std::vector<Rule> round_trip(const std::vector<Rule>& rules) {
    return parse_clean(to_yaml(rules), kLists);
}

void expect_same(const std::vector<Rule>& written, const std::vector<Rule>& read) {
    ASSERT_EQ(read.size(), written.size());
    for (std::size_t i = 0; i < written.size(); ++i) {
        EXPECT_TRUE(same_definition(written[i], read[i])) << "rule " << written[i].id;
        EXPECT_FALSE(read[i].id_generated);
    }
}

TEST(RuleWriter, EveryFieldReadsBackToTheSameRule) {
    const auto rules = parse_clean(kEveryField, kLists);
    ASSERT_EQ(rules.size(), 2u);
    const auto text = to_yaml(rules);
    for (const auto& info : rule_fields()) {
        EXPECT_NE(text.find(" " + std::string(info.name) + ": "), std::string::npos)
            << "to_yaml does not write '" << info.name << "':\n"
            << text;
    }
    expect_same(rules, round_trip(rules));
    EXPECT_EQ(round_trip(rules)[1].id, "rules.yaml#2");  // a generated id is kept as written
}

TEST(RuleWriter, DefaultsAreLeftOut) {
    const auto rules = parse_clean("rules:\n  - {id: plain, action: allow}\n");
    EXPECT_EQ(to_yaml(rules), "rules:\n  - id: \"plain\"\n    action: allow\n");
    EXPECT_EQ(to_yaml({}), "rules: []\n");
    EXPECT_TRUE(parse_clean(to_yaml({})).empty());
}

TEST(RuleWriter, AwkwardTextCannotChangeTheStructure) {
    Rule rule = parse_clean("rules:\n  - {id: x, action: allow}\n")[0];
    using namespace std::string_literals;
    for (const std::string& comment : std::vector<std::string>{
             "quote \" and backslash \\ and #hash", "line one\nline two\r\n", "tab\there",
             "nul\0byte"s, "\x01\x1f\x7f controls", "  leading and trailing  ",
             "- list: [not, a] {map: 1}", "caf\xc3\xa9 \xe2\x80\xa8 \xc2\x85", "null", "~",
             "'single'", "key: value", "\xff\xfe not utf-8"}) {
        rule.comment = comment;
        rule.id = "id-with-\"quote\"-and-#";
        const auto read = round_trip({rule});
        ASSERT_EQ(read.size(), 1u) << comment;
        EXPECT_EQ(read[0].comment, comment);
        EXPECT_EQ(read[0].id, rule.id);
    }
}

TEST(RuleWriter, ReportsTheLineOfEachRule) {
    const auto rules = parse_clean(kEveryField, kLists);
    std::vector<int> lines;
    const auto read = parse_clean(to_yaml(rules, lines), kLists);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], 2);
    EXPECT_EQ(read[0].source.line, lines[0]);
    EXPECT_EQ(read[1].source.line, lines[1]);
    EXPECT_EQ(read[1].source.column, 5);
}

TEST(RuleWriter, ManyRulesRoundTrip) {
    std::vector<Rule> rules;
    for (int i = 0; i < 500; ++i) {
        auto rule = parse_clean("rules:\n  - {action: deny, port: " + std::to_string(i) +
                                ", host: h" + std::to_string(i) + ".example}\n")[0];
        rule.id = "state-" + std::to_string(i);
        rules.push_back(std::move(rule));
    }
    expect_same(rules, round_trip(rules));
}

}  // namespace
}  // namespace sluice
