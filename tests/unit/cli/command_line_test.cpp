#include "cli/command_line.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

Result<Invocation> parse(std::initializer_list<const char*> words) {
    const std::vector<std::string> arguments(words.begin(), words.end());
    return parse_command_line(arguments);
}

std::string error_of(std::initializer_list<const char*> words) {
    auto result = parse(words);
    return result ? std::string("(parsed)") : result.error().message();
}

TEST(CommandLine, GlobalOptionsMayComeBeforeOrAfterTheCommand) {
    auto before = parse({"--bus", "session", "--json", "rules", "list"});
    ASSERT_TRUE(before) << before.error().message();
    EXPECT_EQ(before->command, Command::kRulesList);
    EXPECT_EQ(before->bus, "session");
    EXPECT_TRUE(before->json);

    auto after = parse({"status", "--json", "--bus=unix:path=/tmp/bus"});
    ASSERT_TRUE(after) << after.error().message();
    EXPECT_EQ(after->command, Command::kStatus);
    EXPECT_EQ(after->bus, "unix:path=/tmp/bus");
    EXPECT_TRUE(after->json);
}

TEST(CommandLine, RulesAddCollectsRepeatedListOptionsInOrder) {
    auto parsed = parse({"rules", "add", "--action", "allow", "--host", "a.example",
                         "--host=b.example", "--port", "443", "--priority", "-5"});
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->command, Command::kRulesAdd);
    EXPECT_EQ(parsed->values("host"), (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(parsed->value("action"), "allow");
    EXPECT_EQ(parsed->value("priority"), "-5");  // a value that looks like an option is a value
    EXPECT_FALSE(parsed->has("process"));
}

TEST(CommandLine, EveryRuleFieldIsAnOptionOfRulesAdd) {
    for (const auto& info : rule_fields()) {
        const std::string option = "--" + rule_option_name(info.name);
        auto parsed = info.field == RuleField::kAction ? parse({"rules", "add", "--action", "deny"})
                      : info.field == RuleField::kLog
                          ? parse({"rules", "add", "--action", "deny", option.c_str()})
                          : parse({"rules", "add", "--action", "deny", option.c_str(), "x"});
        EXPECT_TRUE(parsed) << option << ": " << (parsed ? "" : parsed.error().message());
    }
    EXPECT_EQ(rule_option_name("local_port"), "local-port");
    EXPECT_EQ(rule_option_name("host_list"), "host-list");
}

TEST(CommandLine, LogIsAFlagWithAnOptionalValue) {
    auto bare = parse({"rules", "add", "--action", "allow", "--log", "--comment", "c"});
    ASSERT_TRUE(bare) << bare.error().message();
    EXPECT_TRUE(bare->has("log"));
    EXPECT_FALSE(bare->options[1].has_value);
    EXPECT_EQ(bare->value("comment"), "c");

    auto explicit_value = parse({"rules", "add", "--action", "allow", "--log=false"});
    ASSERT_TRUE(explicit_value);
    EXPECT_EQ(explicit_value->value("log"), "false");
}

TEST(CommandLine, OperandsAreCheckedPerCommand) {
    auto removed = parse({"rules", "rm", "a", "b"});
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->operands, (std::vector<std::string>{"a", "b"}));

    EXPECT_EQ(error_of({"rules", "rm"}), "'rules rm' needs ID... (see sluicectl --help)");
    EXPECT_EQ(error_of({"status", "extra"}),
              "unexpected argument 'extra' for 'status' (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules", "show", "a", "b"}),
              "unexpected argument 'b' for 'rules show' (see sluicectl --help)");
}

TEST(CommandLine, DoubleDashEndsOptions) {
    auto parsed = parse({"rules", "rm", "--", "--odd-id"});
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->operands, (std::vector<std::string>{"--odd-id"}));
}

TEST(CommandLine, ErrorsNameTheProblemInOneLine) {
    EXPECT_EQ(error_of({}), "no command given (see sluicectl --help)");
    EXPECT_EQ(error_of({"frobnicate"}), "unknown command 'frobnicate' (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules"}),
              "'rules' needs one of list, show, add, rm, edit, check (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules", "purge"}),
              "unknown rules command 'purge'; use list, show, add, rm, edit or check (see "
              "sluicectl --help)");
    EXPECT_EQ(error_of({"status", "--verbose"}),
              "unknown option '--verbose' for 'status' (see sluicectl --help)");
    EXPECT_EQ(error_of({"--action", "allow", "rules", "add"}),
              "unknown option '--action' (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules", "add", "--action", "allow", "--action", "deny"}),
              "option '--action' given twice (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules", "add", "--process"}),
              "option '--process' needs a value (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules", "add", "--process", "/bin/x"}),
              "'rules add' needs --action allow|deny|reject|prompt (see sluicectl --help)");
    EXPECT_EQ(error_of({"rules", "edit", "id"}),
              "'rules edit' needs at least one field to change, e.g. --port 443 (see sluicectl "
              "--help)");
    EXPECT_EQ(error_of({"prompt", "--any-port=yes"}),
              "option '--any-port' takes no value (see sluicectl --help)");
    EXPECT_EQ(error_of({"status", "-x"}), "unknown option '-x' (see sluicectl --help)");
}

TEST(CommandLine, HelpAndVersionWinOverEverythingElse) {
    auto help = parse({"rules", "add", "--help"});
    ASSERT_TRUE(help);
    EXPECT_EQ(help->command, Command::kHelp);
    auto short_help = parse({"-h"});
    ASSERT_TRUE(short_help);
    EXPECT_EQ(short_help->command, Command::kHelp);
    auto version = parse({"--version"});
    ASSERT_TRUE(version);
    EXPECT_EQ(version->command, Command::kVersion);
    auto help_word = parse({"help"});
    ASSERT_TRUE(help_word);
    EXPECT_EQ(help_word->command, Command::kHelp);
}

TEST(CommandLine, RulesCheckTakesFilesOrListOptions) {
    auto files = parse({"rules", "check", "a.yaml", "b.yaml", "--host-list", "hosts.txt"});
    ASSERT_TRUE(files) << files.error().message();
    EXPECT_EQ(files->operands, (std::vector<std::string>{"a.yaml", "b.yaml"}));
    EXPECT_EQ(files->values("host-list"), (std::vector<std::string>{"hosts.txt"}));
    auto list_only = parse({"rules", "check", "--ip-list", "ips.txt"});
    EXPECT_TRUE(list_only);
    EXPECT_EQ(error_of({"rules", "check"}), "'rules check' needs FILE... (see sluicectl --help)");
}

TEST(CommandLine, CommandAliasesMapToTheSameCommand) {
    auto remove = parse({"rules", "remove", "x"});
    ASSERT_TRUE(remove);
    EXPECT_EQ(remove->command, Command::kRulesRemove);
    auto list = parse({"rules", "ls"});
    ASSERT_TRUE(list);
    EXPECT_EQ(list->command, Command::kRulesList);
}

}  // namespace
}  // namespace sluice::cli
