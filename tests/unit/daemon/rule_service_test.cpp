#include "daemon/rule_service.hpp"

#include <gtest/gtest.h>

#include <poll.h>

#include <filesystem>

#include "tests/unit/rules/rules_test_support.hpp"

namespace sluice {
namespace {

using testing::parse_clean;
using testing::TempDir;
using Errors = std::vector<std::string>;

class ManualClock final : public Clock {
  public:
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::time_point{};
    }
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override { return now; }
    TimePoint now = parse_timestamp("2026-06-01T12:00:00Z").value();
};

Rule make_rule(std::string_view fields) {
    return parse_clean("rules:\n  - {" + std::string(fields) + "}\n").at(0);
}

Connection web_connection() {
    Connection connection;
    connection.protocol = Protocol::kTcp;
    connection.remote_address = IpAddress::parse("192.0.2.10").value();
    connection.remote_port = 443;
    connection.exe = "/usr/bin/curl";
    return connection;
}

std::vector<std::string> ids(const std::vector<Rule>& rules) {
    std::vector<std::string> out;
    for (const auto& rule : rules) {
        out.push_back(rule.id);
    }
    return out;
}

// A service over a temp dir: admin rules in d/, state in state/rules.yaml.
// inline_limit 0 sends every change to the loader's worker thread.
struct Fixture {
    explicit Fixture(std::size_t inline_limit = RuleService::kDefaultInlineLimit)
        : service({tmp.path("d")}, tmp.path("state/rules.yaml"), clock, inline_limit) {
        service.on_change([this] { ++changes; });
        service.on_loaded([this](const Diagnostics& diagnostics) {
            ++loads;
            loaded_errors = testing::to_strings(diagnostics);
        });
    }
    // What the event loop does: waits for background_fd() and collects the work, until none
    // is left.
    void finish_background_work() {
        while (service.background_busy()) {
            pollfd ready{service.background_fd(), POLLIN, 0};
            ASSERT_EQ(::poll(&ready, 1, 10'000), 1) << "the rule loader never finished";
            service.finish_background_work();
        }
    }
    std::string decision(const Connection& connection = web_connection()) const {
        const Rule* rule = service.index()->match(connection, clock.now);
        return rule == nullptr ? "none" : rule->id;
    }

    TempDir tmp;
    ManualClock clock;
    RuleService service;
    int changes = 0;
    int loads = 0;
    std::vector<std::string> loaded_errors;
};

TEST(RuleService, ReloadLoadsAdminRulesThenStateRulesAndPublishesOnce) {
    Fixture f;
    f.tmp.write("d/10-a.yaml", "rules:\n  - {id: admin-web, action: allow, port: 443}\n");
    f.tmp.write("state/rules.yaml", "rules:\n  - {id: learned, action: deny, port: 443}\n");
    EXPECT_EQ(f.decision(), "none");
    EXPECT_EQ(testing::to_strings(f.service.reload()), Errors{});
    EXPECT_EQ(ids(f.service.rules()), (Errors{"admin-web", "learned"}));
    EXPECT_EQ(f.changes, 1);
    EXPECT_EQ(f.decision(), "learned");  // equal rank: deny beats allow
    ASSERT_NE(f.service.find("admin-web"), nullptr);
    EXPECT_EQ(f.service.find("admin-web")->source.file, f.tmp.path("d/10-a.yaml"));
    EXPECT_EQ(f.service.find("nope"), nullptr);
}

TEST(RuleService, ReloadWithoutChangesPublishesNothing) {
    Fixture f;
    f.tmp.write("d/10-a.yaml", "rules:\n  - {id: a, action: allow}\n");
    ASSERT_TRUE(f.service.reload().empty());
    const auto index = f.service.index();
    ASSERT_TRUE(f.service.add_rule(make_rule("action: deny, port: 22")));
    const auto after_add = f.service.index();
    EXPECT_NE(after_add, index);
    EXPECT_EQ(f.changes, 2);
    // The state file changed on disk because we wrote it: reloading it is no change.
    EXPECT_TRUE(f.service.reload().empty());
    EXPECT_EQ(f.service.index(), after_add);
    EXPECT_EQ(f.changes, 2);
}

TEST(RuleService, AddedRuleGetsAnIdAndCreatedAndDecidesAtOnce) {
    Fixture f;
    ASSERT_TRUE(f.service.reload().empty());
    const auto before = f.service.index();
    auto id = f.service.add_rule(make_rule("action: deny, process: /usr/bin/curl"));
    ASSERT_TRUE(id) << id.error().message();
    EXPECT_EQ(f.decision(), *id);
    EXPECT_EQ(before->match(web_connection(), f.clock.now), nullptr);  // old index unchanged
    const Rule* rule = f.service.find(*id);
    ASSERT_NE(rule, nullptr);
    EXPECT_EQ(rule->created, f.clock.now);
    EXPECT_EQ(rule->source.file, f.tmp.path("state/rules.yaml"));

    // A restarted daemon reads the same rule back.
    RuleService restarted({f.tmp.path("d")}, f.tmp.path("state/rules.yaml"), f.clock);
    ASSERT_TRUE(restarted.reload().empty());
    ASSERT_NE(restarted.find(*id), nullptr);
    EXPECT_TRUE(same_definition(*restarted.find(*id), *rule));
}

TEST(RuleService, AdminRulesAreReadOnly) {
    Fixture f;
    const auto file = f.tmp.write("d/10-a.yaml", "rules:\n  - {id: admin, action: allow}\n");
    ASSERT_TRUE(f.service.reload().empty());
    const std::string read_only = "rule 'admin' is in " + file + " (admin rules are read-only)";
    EXPECT_EQ(f.service.update_rule("admin", make_rule("action: deny")).error().message(),
              read_only);
    EXPECT_EQ(f.service.remove_rule("admin").error().message(), read_only);
    EXPECT_EQ(f.service.remove_rule("nope").error().message(), "no rule 'nope'");
    EXPECT_EQ(f.service.update_rule("nope", make_rule("action: deny")).error().message(),
              "no rule 'nope'");
    auto taken = f.service.add_rule(make_rule("id: admin, action: deny"));
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().message(), "rule id 'admin' is already used in " + file);
    EXPECT_EQ(f.changes, 1);
    EXPECT_FALSE(std::filesystem::exists(f.tmp.path("state/rules.yaml")));
}

TEST(RuleService, RuleThatWouldNotLoadBackIsRefused) {
    Fixture f;
    ASSERT_TRUE(f.service.reload().empty());
    Rule rule = make_rule("action: allow");
    rule.pid = 42;  // without scope: process
    auto added = f.service.add_rule(rule);
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().message(), "invalid rule: 'pid' is only allowed with 'scope: process'");
    rule = make_rule("action: allow");
    rule.duration = std::chrono::milliseconds(0);
    EXPECT_EQ(f.service.add_rule(rule).error().message(),
              "invalid rule: 'duration' must be a duration such as 500ms, 20s, 5m, 1h or 7d, not "
              "'0ms'");
    EXPECT_TRUE(f.service.rules().empty());
}

TEST(RuleService, UpdateAndRemoveStateRules) {
    Fixture f;
    ASSERT_TRUE(f.service.reload().empty());
    auto id = f.service.add_rule(make_rule("action: allow, port: 443"));
    ASSERT_TRUE(id);
    const auto created = f.service.find(*id)->created;
    f.clock.now += std::chrono::hours(1);
    ASSERT_TRUE(f.service.update_rule(*id, make_rule("action: deny, port: 443")));
    EXPECT_EQ(f.service.find(*id)->action, Action::kDeny);
    EXPECT_EQ(f.service.find(*id)->created, created);  // still as old as it was
    EXPECT_EQ(f.decision(), *id);
    ASSERT_TRUE(f.service.update_rule(
        *id, make_rule("action: deny, port: 443, expires: 2026-06-01T13:00:00Z")));
    EXPECT_EQ(f.decision(), "none");  // expired at this very instant
    ASSERT_TRUE(f.service.remove_rule(*id));
    EXPECT_EQ(f.service.find(*id), nullptr);
    EXPECT_EQ(f.service.rules().size(), 0u);
    EXPECT_EQ(f.changes, 5);
}

TEST(RuleService, ExpiredStateRulesArePrunedOnLoadAndByTheTimer) {
    Fixture f;
    f.tmp.write("state/rules.yaml", R"(rules:
  - {id: old, action: allow, expires: 2026-01-01T00:00:00Z}
  - {id: current, action: allow, expires: 2026-06-01T13:00:00Z}
)");
    ASSERT_TRUE(f.service.reload().empty());
    EXPECT_EQ(ids(f.service.rules()), Errors{"current"});
    RuleStore disk(f.tmp.path("state/rules.yaml"));
    ASSERT_TRUE(disk.load().empty());
    EXPECT_EQ(ids(*disk.rules()), Errors{"current"});

    EXPECT_EQ(*f.service.prune_expired(f.clock.now), 0u);
    const int changes = f.changes;
    f.clock.now += std::chrono::hours(1);
    EXPECT_EQ(*f.service.prune_expired(f.clock.now), 1u);
    EXPECT_TRUE(f.service.rules().empty());
    EXPECT_EQ(f.changes, changes + 1);
}

TEST(RuleService, BrokenAdminEditKeepsTheOldRulesAndSaysWhere) {
    Fixture f;
    const auto file = f.tmp.write("d/10-a.yaml", "rules:\n  - {id: web, action: allow}\n");
    ASSERT_TRUE(f.service.reload().empty());
    f.tmp.write("d/10-a.yaml", "rules:\n  - id: web\n    action: maybe\n");
    EXPECT_EQ(testing::to_strings(f.service.reload()),
              Errors{file + ":3:13: error: 'action' must be one of allow, deny, reject, prompt, "
                            "not 'maybe'"});
    EXPECT_EQ(f.decision(), "web");
    EXPECT_EQ(f.service.find("web")->action, Action::kAllow);
}

TEST(RuleService, ListFilesAreThoseTheRulesName) {
    Fixture f;
    const auto hosts = f.tmp.write("lists/hosts.txt", "ads.example\n");
    const auto nets = f.tmp.write("lists/nets.txt", "10.0.0.0/8\n");
    f.tmp.write("d/10-a.yaml", "rules:\n  - {action: deny, host_list: " + hosts +
                                   "}\n  - {action: deny, ip_list: " + nets +
                                   "}\n  - {action: deny, host_list: " + hosts + "}\n");
    ASSERT_TRUE(f.service.reload().empty());
    EXPECT_EQ(f.service.list_files(), (Errors{hosts, nets}));
}

TEST(RuleService, BackgroundReloadPublishesOnlyWhenCollectedAndReportsErrors) {
    Fixture f;
    const auto file = f.tmp.write("d/10-a.yaml", "rules:\n  - {id: web, action: allow}\n");
    ASSERT_TRUE(f.service.reload().empty());
    f.tmp.write("d/10-a.yaml", "rules:\n  - {id: web, action: deny}\n");
    f.tmp.write("d/20-b.yaml", "rules:\n  - {id: broken, action: maybe}\n");
    EXPECT_TRUE(f.service.reload_in_background().empty());
    EXPECT_TRUE(f.service.background_busy());
    // Until the event loop collects the work, connections see the old index, whole.
    EXPECT_EQ(f.decision(), "web");
    EXPECT_EQ(f.service.index()->rules()[0].action, Action::kAllow);
    EXPECT_EQ(f.changes, 1);
    f.finish_background_work();
    EXPECT_EQ(f.changes, 2);
    EXPECT_EQ(f.loads, 1);
    EXPECT_EQ(f.loaded_errors.size(), 1U);
    EXPECT_TRUE(f.loaded_errors.at(0).starts_with(f.tmp.path("d/20-b.yaml") + ":2:"));
    EXPECT_EQ(f.service.index()->rules()[0].action, Action::kDeny);
    EXPECT_EQ(f.service.find("web")->action, Action::kDeny);
    EXPECT_EQ(f.service.find("web")->source.file, file);
}

TEST(RuleService, BackgroundReloadWithNothingChangedStillReportsTheLoad) {
    Fixture f;
    f.tmp.write("d/10-a.yaml", "rules:\n  - {id: web, action: allow}\n");
    ASSERT_TRUE(f.service.reload().empty());
    const auto index = f.service.index();
    f.service.reload_in_background();
    f.finish_background_work();
    EXPECT_EQ(f.loads, 1);
    EXPECT_EQ(f.changes, 1);
    EXPECT_EQ(f.service.index(), index);
}

TEST(RuleService, LargeRuleSetsAreIndexedOnTheWorkerWhileRulesShowTheChangeAtOnce) {
    Fixture f(0);
    f.tmp.write("d/10-a.yaml", "rules:\n  - {id: admin-web, action: allow, port: 443}\n");
    ASSERT_TRUE(f.service.reload().empty());
    EXPECT_EQ(f.changes, 1);
    auto id = f.service.add_rule(make_rule("action: deny, port: 443"));
    ASSERT_TRUE(id) << id.error().message();
    // Listed and found at once; decisions follow when the index is collected.
    EXPECT_EQ(ids(f.service.rules()), (Errors{"admin-web", *id}));
    EXPECT_NE(f.service.find(*id), nullptr);
    EXPECT_EQ(f.decision(), "admin-web");
    f.finish_background_work();
    EXPECT_EQ(f.decision(), *id);
    EXPECT_EQ(f.changes, 2);
    EXPECT_EQ(f.loads, 0);  // no reload was asked
    ASSERT_TRUE(f.service.remove_rule(*id));
    f.finish_background_work();
    EXPECT_EQ(f.decision(), "admin-web");
}

// A state change made while a background reload runs must not be lost when the reload's
// index (built with the older state rules) arrives, whichever side is faster.
TEST(RuleService, StateChangeDuringBackgroundReloadEndsInOneIndexWithBoth) {
    for (const std::size_t inline_limit : {RuleService::kDefaultInlineLimit, std::size_t{0}}) {
        Fixture f(inline_limit);
        f.tmp.write("d/10-a.yaml", "rules:\n  - {id: admin-web, action: allow, port: 443}\n");
        ASSERT_TRUE(f.service.reload().empty());
        f.tmp.write("d/10-a.yaml",
                    "rules:\n  - {id: admin-web, action: allow, port: 443}\n"
                    "  - {id: admin-ssh, action: allow, port: 22}\n");
        f.service.reload_in_background();
        auto id = f.service.add_rule(make_rule("id: mine, action: deny, port: 443"));
        ASSERT_TRUE(id) << id.error().message();
        f.finish_background_work();
        EXPECT_EQ(ids(f.service.rules()), (Errors{"admin-web", "admin-ssh", "mine"}))
            << "inline_limit " << inline_limit;
        EXPECT_EQ(f.decision(), "mine");
        Connection ssh = web_connection();
        ssh.remote_port = 22;
        EXPECT_EQ(f.decision(ssh), "admin-ssh") << "inline_limit " << inline_limit;
        EXPECT_EQ(f.loads, 1);
    }
}

TEST(RuleService, ManyBackgroundRequestsEndAtTheNewestRules) {
    Fixture f(0);
    ASSERT_TRUE(f.service.reload().empty());
    std::vector<std::string> added;
    for (int i = 0; i < 20; ++i) {
        auto id =
            f.service.add_rule(make_rule("id: added-" + std::to_string(i) +
                                         ", action: allow, port: " + std::to_string(1000 + i)));
        ASSERT_TRUE(id) << id.error().message();
        added.push_back(*id);
        if (i % 5 == 0) {
            f.service.reload_in_background();
        }
    }
    f.finish_background_work();
    EXPECT_EQ(f.service.index()->size(), 20U);
    EXPECT_EQ(ids(f.service.rules()), added);
    EXPECT_EQ(f.loads, 1);  // the reloads merged or followed each other; reported when all done
}

// The daemon's own state saves trigger reloads that find every file unchanged: no index may
// be built for them, only to be thrown away (at a million rules that is a second of work).
TEST(RuleLoader, BuildsNoIndexWhenTheRulesAreTheCallersCurrentOnes) {
    TempDir tmp;
    tmp.write("d/10-a.yaml", "rules:\n  - {id: web, action: allow, port: 443}\n");
    auto loader = RuleLoader::create();
    ASSERT_TRUE(loader) << loader.error().message();
    const auto state = std::make_shared<const std::vector<Rule>>();
    auto first = (*loader)->load({1, true, {tmp.path("d")}, state, {}});
    ASSERT_TRUE(first.diagnostics.empty());
    ASSERT_NE(first.index, nullptr);
    auto current = first.admin_groups;
    current.push_back(state);

    const auto again = (*loader)->load({2, true, {tmp.path("d")}, state, current});
    EXPECT_TRUE(again.admin_reloaded);
    EXPECT_EQ(again.admin_groups, first.admin_groups);
    EXPECT_EQ(again.index, nullptr);

    const auto other_state = std::make_shared<const std::vector<Rule>>(
        std::vector<Rule>{make_rule("id: s, action: deny")});
    const auto changed = (*loader)->load({3, false, {}, other_state, current});
    ASSERT_NE(changed.index, nullptr);
    EXPECT_EQ(changed.index->size(), 2U);
}

}  // namespace
}  // namespace sluice
