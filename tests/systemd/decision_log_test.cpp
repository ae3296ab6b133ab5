#include "daemon/decision_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/systemd/test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLogger;
using testing::ManualClock;

class RecordingJournal final : public JournalWriter {
  public:
    Result<void> send(std::span<const std::string> fields) override {
        entries.emplace_back(fields.begin(), fields.end());
        if (fail) {
            return Error{"journal down", ECONNREFUSED};
        }
        return {};
    }
    std::vector<std::vector<std::string>> entries;
    bool fail = false;
};

Connection curl_connection() {
    Connection c;
    c.direction = Direction::kOut;
    c.protocol = Protocol::kTcp;
    c.local_address = *IpAddress::parse("10.77.0.1");
    c.local_port = 40000;
    c.remote_address = *IpAddress::parse("10.77.0.2");
    c.remote_port = 80;
    c.uid = 1000;
    c.pid = 812;
    c.exe = "/usr/bin/curl";
    c.host_names = {"app.test", "web.test"};
    return c;
}

TEST(DecisionLog, JournalEntryCarriesTheStructuredFields) {
    CapturedLogger log;
    ManualClock clock;
    auto journal = std::make_unique<RecordingJournal>();
    auto* entries = &journal->entries;
    DecisionLog decisions(log.logger, clock, std::move(journal));
    const Connection c = curl_connection();
    decisions.on_decision({c, MarkDecision::kDeny, DecisionReason::kRule, "no-curl"});

    ASSERT_EQ(entries->size(), 1u);
    const std::vector<std::string> expected{
        "MESSAGE=deny out tcp 10.77.0.1:40000 -> 10.77.0.2:80 uid=1000 pid=812 exe=/usr/bin/curl "
        "rule=no-curl (rule)",
        "PRIORITY=6",
        "SYSLOG_IDENTIFIER=sluiced",
        "MESSAGE_ID=41596fe006ea43efbcfded20af098b41",
        "SLUICE_ACTION=deny",
        "SLUICE_REASON=rule",
        "SLUICE_DIRECTION=out",
        "SLUICE_PROTOCOL=tcp",
        "SLUICE_SRC=10.77.0.1:40000",
        "SLUICE_DST=10.77.0.2:80",
        "SLUICE_HOST=app.test web.test",
        "SLUICE_UID=1000",
        "SLUICE_PID=812",
        "SLUICE_EXE=/usr/bin/curl",
        "SLUICE_RULE=no-curl",
    };
    EXPECT_EQ(entries->front(), expected);
    EXPECT_EQ(log.lines.str(), "") << "with a journal, decisions do not also go to the logger";
}

TEST(DecisionLog, InboundDestinationIsTheLocalEndpoint) {
    Connection c = curl_connection();
    c.direction = Direction::kIn;
    c.local_address = *IpAddress::parse("fd77::2");
    c.local_port = 22;
    c.remote_address = *IpAddress::parse("fd77::1");
    c.remote_port = 51000;
    const auto fields =
        decision_journal_fields({c, MarkDecision::kAllow, DecisionReason::kDefault, ""}, 6);
    EXPECT_NE(std::find(fields.begin(), fields.end(), "SLUICE_SRC=[fd77::1]:51000"), fields.end());
    EXPECT_NE(std::find(fields.begin(), fields.end(), "SLUICE_DST=[fd77::2]:22"), fields.end());
}

TEST(DecisionLog, UnknownProcessAndNoRuleLeaveTheirFieldsOut) {
    Connection c = curl_connection();
    c.pid.reset();
    c.uid.reset();
    c.exe.clear();
    c.host_names.clear();
    const auto fields =
        decision_journal_fields({c, MarkDecision::kAllow, DecisionReason::kDefault, ""}, 6);
    for (const auto& field : fields) {
        for (const char* absent :
             {"SLUICE_PID=", "SLUICE_EXE=", "SLUICE_RULE=", "SLUICE_UID=", "SLUICE_HOST="}) {
            EXPECT_NE(field.rfind(absent, 0), 0u) << field;
        }
    }
    EXPECT_EQ(fields.front(),
              "MESSAGE=allow out tcp 10.77.0.1:40000 -> 10.77.0.2:80 uid=? pid=? exe=? rule=- "
              "(default)");
}

TEST(DecisionLog, WithoutJournalTheLineGoesToTheLogger) {
    CapturedLogger log;
    ManualClock clock;
    DecisionLog decisions(log.logger, clock);
    const Connection c = curl_connection();
    decisions.on_decision({c, MarkDecision::kAllow, DecisionReason::kRule, "web"});
    EXPECT_EQ(log.lines.str(),
              "info allow out tcp 10.77.0.1:40000 -> 10.77.0.2:80 uid=1000 pid=812 "
              "exe=/usr/bin/curl rule=web (rule)\n");
}

TEST(DecisionLog, FloodIsCutToTheBurstAndTheSuppressedLinesAreCounted) {
    CapturedLogger log;
    ManualClock clock;
    DecisionLog decisions(log.logger, clock, nullptr, {.per_second = 2.0, .burst = 5.0});
    const Connection c = curl_connection();
    for (int i = 0; i < 105; ++i) {
        decisions.on_decision({c, MarkDecision::kAllow, DecisionReason::kRule, "web"});
    }
    EXPECT_EQ(decisions.counters().logged, 5u);
    EXPECT_EQ(decisions.counters().suppressed, 100u);

    // Half a second later one token is back: the summary comes first, then the line.
    clock.steady += 500ms;
    decisions.on_decision({c, MarkDecision::kDeny, DecisionReason::kRule, "web"});
    const std::string text = log.lines.str();
    const auto summary = text.find("warning 100 decision lines suppressed by the rate limit\n");
    ASSERT_NE(summary, std::string::npos) << text;
    EXPECT_NE(text.find("info deny out tcp", summary), std::string::npos) << text;
    EXPECT_EQ(decisions.counters().logged, 6u);
}

TEST(DecisionLog, FlushReportsSuppressedLinesOnceAndOnlyWhenThereAreAny) {
    CapturedLogger log;
    ManualClock clock;
    DecisionLog decisions(log.logger, clock, nullptr, {.per_second = 1.0, .burst = 1.0});
    decisions.flush_suppressed();
    EXPECT_EQ(log.lines.str(), "");
    const Connection c = curl_connection();
    for (int i = 0; i < 4; ++i) {
        decisions.on_decision({c, MarkDecision::kAllow, DecisionReason::kRule, "web"});
    }
    log.lines.str("");
    decisions.flush_suppressed();
    decisions.flush_suppressed();
    EXPECT_EQ(log.lines.str(), "warning 3 decision lines suppressed by the rate limit\n");
}

TEST(DecisionLog, FlowCacheDecisionsAreDebugAndNotCountedBelowTheLogLevel) {
    CapturedLogger log;
    ManualClock clock;
    DecisionLog decisions(log.logger, clock, nullptr, {.per_second = 1.0, .burst = 1.0});
    const Connection c = curl_connection();
    for (int i = 0; i < 10; ++i) {
        decisions.on_decision({c, MarkDecision::kAllow, DecisionReason::kFlowCache, "web"});
    }
    EXPECT_EQ(log.lines.str(), "");
    EXPECT_EQ(decisions.counters().suppressed, 0u);
}

TEST(DecisionLog, JournalFailuresAreCounted) {
    CapturedLogger log;
    ManualClock clock;
    auto journal = std::make_unique<RecordingJournal>();
    journal->fail = true;
    DecisionLog decisions(log.logger, clock, std::move(journal));
    const Connection c = curl_connection();
    decisions.on_decision({c, MarkDecision::kAllow, DecisionReason::kRule, "web"});
    decisions.on_decision({c, MarkDecision::kAllow, DecisionReason::kRule, "web"});
    EXPECT_EQ(decisions.counters().journal_errors, 2u);
}

}  // namespace
}  // namespace sluice
