#include "cli/rule_options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

Invocation invocation_of(std::initializer_list<const char*> words) {
    const std::vector<std::string> arguments(words.begin(), words.end());
    auto parsed = parse_command_line(arguments);
    EXPECT_TRUE(parsed) << parsed.error().message();
    return parsed ? *parsed : Invocation{};
}

TEST(RuleOptions, SingleValuesAreStringsAndRepeatedListValuesAreStringArrays) {
    auto rule = rule_dict_from_options(invocation_of(
        {"rules", "add", "--action", "allow", "--process", "/usr/bin/curl", "--host", "a.example",
         "--host", "b.example", "--port", "443", "--local-port", "1000-2000"}));
    ASSERT_TRUE(rule) << rule.error().message();
    EXPECT_EQ(rule->size(), 5U);
    EXPECT_EQ(rule->at("action").peekValueType(), "s");
    EXPECT_EQ(rule->at("action").get<std::string>(), "allow");
    EXPECT_EQ(rule->at("process").get<std::string>(), "/usr/bin/curl");
    EXPECT_EQ(rule->at("host").peekValueType(), "as");
    EXPECT_EQ(rule->at("host").get<std::vector<std::string>>(),
              (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(rule->at("port").peekValueType(), "s");
    EXPECT_EQ(rule->at("port").get<std::string>(), "443");
    EXPECT_EQ(rule->at("local_port").get<std::string>(), "1000-2000");
}

TEST(RuleOptions, CommasSeparateListValues) {
    auto rule = rule_dict_from_options(
        invocation_of({"rules", "add", "--action", "deny", "--port", "80, 443,,8080", "--protocol",
                       "tcp,udp", "--comment", "a, b"}));
    ASSERT_TRUE(rule) << rule.error().message();
    EXPECT_EQ(rule->at("port").get<std::vector<std::string>>(),
              (std::vector<std::string>{"80", "443", "8080"}));
    EXPECT_EQ(rule->at("protocol").get<std::vector<std::string>>(),
              (std::vector<std::string>{"tcp", "udp"}));
    EXPECT_EQ(rule->at("comment").get<std::string>(), "a, b");  // not a list field
}

TEST(RuleOptions, PriorityPidAndLogHaveTheirDbusTypes) {
    auto rule = rule_dict_from_options(invocation_of(
        {"rules", "add", "--action", "allow", "--priority", "-7", "--pid", "4242", "--log"}));
    ASSERT_TRUE(rule) << rule.error().message();
    EXPECT_EQ(rule->at("priority").peekValueType(), "i");
    EXPECT_EQ(rule->at("priority").get<std::int32_t>(), -7);
    EXPECT_EQ(rule->at("pid").peekValueType(), "u");
    EXPECT_EQ(rule->at("pid").get<std::uint32_t>(), 4242U);
    EXPECT_EQ(rule->at("log").peekValueType(), "b");
    EXPECT_TRUE(rule->at("log").get<bool>());

    auto off =
        rule_dict_from_options(invocation_of({"rules", "add", "--action", "allow", "--log=false"}));
    ASSERT_TRUE(off);
    EXPECT_FALSE(off->at("log").get<bool>());
}

TEST(RuleOptions, BadNumbersAndBooleansAreRefusedWithTheOptionName) {
    auto priority = rule_dict_from_options(
        invocation_of({"rules", "add", "--action", "allow", "--priority", "high"}));
    ASSERT_FALSE(priority);
    EXPECT_EQ(priority.error().message(),
              "--priority must be an integer from -2147483648 to 2147483647, not 'high'");
    auto pid =
        rule_dict_from_options(invocation_of({"rules", "add", "--action", "allow", "--pid", "-1"}));
    ASSERT_FALSE(pid);
    EXPECT_EQ(pid.error().message(), "--pid must be an integer from 0 to 4294967295, not '-1'");
    auto log =
        rule_dict_from_options(invocation_of({"rules", "add", "--action", "allow", "--log=maybe"}));
    ASSERT_FALSE(log);
    EXPECT_EQ(log.error().message(), "--log takes true or false, not 'maybe'");
    auto empty = rule_dict_from_options(
        invocation_of({"rules", "add", "--action", "allow", "--host", " , "}));
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message(), "--host needs a value");
}

TEST(RuleOptions, EditSendsTheChangesAndAnEmptyStringForEachUnsetField) {
    const auto invocation = invocation_of(
        {"rules", "edit", "state-1", "--port", "443", "--unset", "host", "--unset=local-port"});
    auto changes = rule_dict_from_options(invocation);
    auto unset = unset_fields(invocation);
    ASSERT_TRUE(changes);
    ASSERT_TRUE(unset);
    const auto sent = rule_changes(*changes, *unset);
    EXPECT_EQ(sent.size(), 3U);
    EXPECT_EQ(sent.at("port").get<std::string>(), "443");
    EXPECT_EQ(sent.at("host").get<std::string>(), "");
    EXPECT_EQ(sent.at("local_port").get<std::string>(), "");
}

TEST(RuleOptions, UnsetRefusesUnknownRequiredAndContradictedFields) {
    auto unknown = unset_fields(invocation_of({"rules", "edit", "x", "--unset", "colour"}));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message(), "--unset: 'colour' is not a rule field");
    auto action = unset_fields(invocation_of({"rules", "edit", "x", "--unset", "action"}));
    ASSERT_FALSE(action);
    EXPECT_EQ(action.error().message(), "--unset: a rule always has 'action'");
    auto both = unset_fields(
        invocation_of({"rules", "edit", "x", "--unset", "local-port", "--local-port", "9"}));
    ASSERT_FALSE(both);
    EXPECT_EQ(both.error().message(), "--unset local-port contradicts --local-port");
}

}  // namespace
}  // namespace sluice::cli
