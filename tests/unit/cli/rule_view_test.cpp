#include "cli/rule_view.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

Object web_rule() {
    return Object{{"id", "web"},
                  {"action", "allow"},
                  {"direction", "out"},
                  {"process", "/usr/bin/curl"},
                  {"host", Value::List{"a.example", "*.b.example"}},
                  {"port", Value::List{std::int64_t{80}, std::int64_t{443}}},
                  {"protocol", "tcp"},
                  {"priority", std::int64_t{0}},
                  {"log", false},
                  {"comment", "web browsing"},
                  {"source", "/etc/sluice/rules.d/50-web.yaml"},
                  {"created", "2026-01-01T00:00:00Z"},
                  {"hits", std::uint64_t{42}}};
}

TEST(RuleView, MatchSummaryListsMatchFieldsInRuleFileOrderWithoutDefaults) {
    EXPECT_EQ(match_summary(web_rule()),
              "process=/usr/bin/curl host=a.example,*.b.example port=80,443 protocol=tcp");
}

TEST(RuleView, MatchSummaryShowsNonDefaultDirectionPriorityScopeAndLog) {
    const Object rule{{"id", "x"},
                      {"action", "deny"},
                      {"direction", "in"},
                      {"local_port", "22"},
                      {"priority", std::int64_t{10}},
                      {"scope", "process"},
                      {"pid", std::uint64_t{4242}},
                      {"log", true},
                      {"duration", "1h"}};
    EXPECT_EQ(match_summary(rule),
              "direction=in local_port=22 duration=1h scope=process pid=4242 priority=10 log=yes");
}

TEST(RuleView, RuleWithoutMatchFieldsMatchesAny) {
    EXPECT_EQ(match_summary(Object{{"id", "all"}, {"action", "deny"}}), "any");
}

TEST(RuleView, RulesTableHasIdActionMatchSourceAndHits) {
    const Object state_rule{{"id", "state-9f"},
                            {"action", "deny"},
                            {"ip", "10.0.0.0/8"},
                            {"source", "state"},
                            {"hits", std::uint64_t{3}}};
    EXPECT_EQ(rules_table({web_rule(), state_rule}),
              "ID        ACTION  MATCH                                                             "
              "         SOURCE                           HITS\n"
              "web       allow   process=/usr/bin/curl host=a.example,*.b.example port=80,443 "
              "protocol=tcp  /etc/sluice/rules.d/50-web.yaml    42\n"
              "state-9f  deny    ip=10.0.0.0/8                                                    "
              "          state                               3\n");
}

TEST(RuleView, DetailsListRuleFileKeysFirstThenSourceAndHits) {
    EXPECT_EQ(rule_details(Object{{"hits", std::uint64_t{1}},
                                  {"source", "state"},
                                  {"action", "allow"},
                                  {"id", "a"},
                                  {"future_key", "kept"}}),
              "id:          a\n"
              "action:      allow\n"
              "source:      state\n"
              "hits:        1\n"
              "future_key:  kept\n");
}

}  // namespace
}  // namespace sluice::cli
