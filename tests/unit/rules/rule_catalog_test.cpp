#include "rules/rule_catalog.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "rules_test_support.hpp"

namespace sluice {
namespace {

using testing::TempDir;
using Errors = std::vector<std::string>;

std::vector<std::string> ids(const RuleCatalog& catalog) {
    std::vector<std::string> out;
    for (const auto& rule : catalog.rules()) {
        out.push_back(rule.id);
    }
    return out;
}

std::string one_rule(std::string_view id, std::string_view action = "allow") {
    return "rules:\n  - id: " + std::string(id) + "\n    action: " + std::string(action) + "\n";
}

TEST(RuleCatalog, LoadsDirsInOrderThenTheStateFile) {
    TempDir tmp;
    tmp.write("admin/20-b.yaml", one_rule("b"));
    tmp.write("admin/10-a.yaml", one_rule("a"));
    tmp.write("admin/README.txt", "not rules");
    tmp.write("admin/.hidden.yaml", "broken: [");
    tmp.write("admin/notes.yaml.bak", "broken: [");
    std::filesystem::create_directories(tmp.path("admin/sub.yaml"));
    tmp.write("vendor/00-first.yaml", one_rule("vendor"));
    const auto state = tmp.write("state/rules.yaml", one_rule("state"));
    RuleCatalog catalog;
    const auto diagnostics = catalog.load({tmp.path("admin"), tmp.path("vendor")}, state);
    EXPECT_EQ(testing::to_strings(diagnostics), Errors{});
    EXPECT_EQ(ids(catalog), (std::vector<std::string>{"a", "b", "vendor", "state"}));
}

TEST(RuleCatalog, MissingDirsAndStateFileAreEmptyNotErrors) {
    TempDir tmp;
    RuleCatalog catalog;
    EXPECT_TRUE(catalog.load({tmp.path("nope")}, tmp.path("state.yaml")).empty());
    EXPECT_TRUE(catalog.rules().empty());
}

TEST(RuleCatalog, DirThatIsAFileIsAnError) {
    TempDir tmp;
    const auto file = tmp.write("rules.d", "");
    RuleCatalog catalog;
    EXPECT_EQ(testing::to_strings(catalog.load({file}, "")),
              Errors{file + ":0:0: error: rules directory is not a directory"});
}

TEST(RuleCatalog, BrokenFileOnFirstLoadContributesNothingAndOthersStillLoad) {
    TempDir tmp;
    tmp.write("d/10-good.yaml", one_rule("good"));
    const auto broken = tmp.write("d/20-broken.yaml", "rules:\n  - id: x\n    action: maybe\n");
    RuleCatalog catalog;
    EXPECT_EQ(testing::to_strings(catalog.load({tmp.path("d")}, "")),
              Errors{broken + ":3:13: error: 'action' must be one of allow, deny, reject, prompt, "
                              "not 'maybe'"});
    EXPECT_EQ(ids(catalog), std::vector<std::string>{"good"});
}

TEST(RuleCatalog, BrokenFileKeepsItsLastGoodVersionOnReload) {
    TempDir tmp;
    tmp.write("d/10-a.yaml", one_rule("a"));
    const auto b = tmp.write("d/20-b.yaml", one_rule("b-v1"));
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());

    tmp.write("d/10-a.yaml", one_rule("a-v2"));
    tmp.write("d/20-b.yaml", "rules:\n  - id: b-v2\n    action: allow\n    port: 65536\n");
    EXPECT_EQ(testing::to_strings(catalog.load({tmp.path("d")}, "")),
              Errors{b + ":4:11: error: 'port' is 65536, out of range 0 to 65535"});
    EXPECT_EQ(ids(catalog), (std::vector<std::string>{"a-v2", "b-v1"}));

    // Still broken at the next reload: the last good version is still the one from load 1.
    EXPECT_EQ(catalog.load({tmp.path("d")}, "").size(), 1u);
    EXPECT_EQ(ids(catalog), (std::vector<std::string>{"a-v2", "b-v1"}));

    tmp.write("d/20-b.yaml", one_rule("b-v3"));
    EXPECT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    EXPECT_EQ(ids(catalog), (std::vector<std::string>{"a-v2", "b-v3"}));
}

TEST(RuleCatalog, UnreadableStateFileKeepsItsLastGoodVersion) {
    TempDir tmp;
    const auto state = tmp.write("state.yaml", one_rule("learned"));
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({}, state).empty());
    std::filesystem::remove(state);
    std::filesystem::create_directory(state);  // exists but cannot be read as a file
    EXPECT_EQ(testing::to_strings(catalog.load({}, state)),
              Errors{state + ":0:0: error: cannot read file: Is a directory"});
    EXPECT_EQ(ids(catalog), std::vector<std::string>{"learned"});
}

TEST(RuleCatalog, DeletedFileDropsItsRules) {
    TempDir tmp;
    tmp.write("d/10-a.yaml", one_rule("a"));
    const auto b = tmp.write("d/20-b.yaml", one_rule("b"));
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    std::filesystem::remove(b);
    EXPECT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    EXPECT_EQ(ids(catalog), std::vector<std::string>{"a"});
}

TEST(RuleCatalog, FileBrokenByItsListKeepsItsLastGoodVersion) {
    TempDir tmp;
    const auto list = tmp.write("lists/ads.txt", "ads.example\n");
    tmp.write("d/10-ads.yaml",
              "rules:\n  - id: ads\n    action: deny\n    host_list: " + list + "\n");
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    tmp.write("lists/ads.txt", "ads.example\nnot a domain\n");
    EXPECT_EQ(catalog.load({tmp.path("d")}, "").size(), 2u);
    const auto rules = catalog.rules();
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_TRUE(rules[0].host_list->match("ads.example"));
}

TEST(RuleCatalog, UnchangedFilesKeepTheirRulesWithoutBeingParsedAgain) {
    TempDir tmp;
    tmp.write("d/10-a.yaml", one_rule("a"));
    tmp.write("d/20-b.yaml", one_rule("b"));
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    const auto before = catalog.groups();
    ASSERT_EQ(before.size(), 2u);

    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    EXPECT_EQ(catalog.groups(), before);

    tmp.write("d/20-b.yaml", one_rule("b2"));
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    const auto after = catalog.groups();
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0], before[0]);
    EXPECT_NE(after[1], before[1]);
    EXPECT_EQ(ids(catalog), (std::vector<std::string>{"a", "b2"}));
}

TEST(RuleCatalog, ChangedListReloadsTheFilesNamingIt) {
    TempDir tmp;
    const auto list = tmp.write("lists/ads.txt", "ads.example\n");
    tmp.write("d/10-ads.yaml",
              "rules:\n  - id: ads\n    action: deny\n    host_list: " + list + "\n");
    tmp.write("d/20-other.yaml", one_rule("other"));
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    const auto before = catalog.groups();

    tmp.write("lists/ads.txt", "tracker.example\n");
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    const auto after = catalog.groups();
    EXPECT_NE(after[0], before[0]);
    EXPECT_EQ(after[1], before[1]);
    EXPECT_FALSE((*after[0])[0].host_list->match("ads.example"));
    EXPECT_TRUE((*after[0])[0].host_list->match("tracker.example"));
}

TEST(RuleCatalog, FilesNamingOneListShareOneCopy) {
    TempDir tmp;
    const auto list = tmp.write("lists/ads.txt", "ads.example\n");
    for (const auto* name : {"d/10-a.yaml", "d/20-b.yaml"}) {
        tmp.write(name, "rules:\n  - action: deny\n    host_list: " + list + "\n");
    }
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    const auto rules = catalog.rules();
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].host_list, rules[1].host_list);
    const auto shared = rules[0].host_list;

    // An unchanged list is not parsed again when a file naming it changes.
    tmp.write("d/20-b.yaml", "rules:\n  - action: reject\n    host_list: " + list + "\n");
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    EXPECT_EQ(catalog.rules()[1].host_list, shared);
}

TEST(RuleCatalog, RestoringTheLastGoodBytesOfABrokenFileLoadsCleanly) {
    TempDir tmp;
    const auto a = tmp.write("d/10-a.yaml", one_rule("a"));
    RuleCatalog catalog;
    ASSERT_TRUE(catalog.load({tmp.path("d")}, "").empty());
    tmp.write("d/10-a.yaml", "rules: [");
    EXPECT_EQ(catalog.load({tmp.path("d")}, "").size(), 1u);
    tmp.write("d/10-a.yaml", one_rule("a"));
    EXPECT_EQ(testing::to_strings(catalog.load({tmp.path("d")}, "")), Errors{});
    EXPECT_EQ(ids(catalog), std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace sluice
