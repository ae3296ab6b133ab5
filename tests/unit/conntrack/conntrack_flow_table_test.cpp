#include "daemon/netfilter/conntrack_flow_table.hpp"

#include <gtest/gtest.h>

#include "rules/diagnostic.hpp"
#include "rules/rule_parser.hpp"

namespace sluice {
namespace {

using std::chrono::seconds;

const MarkLayout kMarks = *MarkLayout::from_mask(0x00700000);
const IpAddress kClient = *IpAddress::parse("10.77.0.1");
const IpAddress kServer = *IpAddress::parse("10.77.0.2");
const FlowTable::SteadyTime kStart{seconds(100)};
const FlowTable::WallTime kWall{seconds(1'800'000'000)};

Connection outbound(std::uint16_t local_port, std::uint16_t remote_port = 80,
                    const IpAddress& remote = kServer) {
    Connection connection;
    connection.direction = Direction::kOut;
    connection.protocol = Protocol::kTcp;
    connection.local_address = kClient;
    connection.remote_address = remote;
    connection.local_port = local_port;
    connection.remote_port = remote_port;
    connection.exe = "/usr/bin/curl";
    connection.pid = 4242;
    return connection;
}

ConntrackTuple tuple(std::uint16_t local_port, std::uint16_t remote_port = 80,
                     const IpAddress& remote = kServer) {
    return {kClient, remote, local_port, remote_port, 6};
}

ConntrackEntry entry(ConntrackEventType type, const ConntrackTuple& original,
                     std::uint32_t mark = 0) {
    ConntrackEntry result;
    result.type = type;
    result.original = original;
    result.reply = original.inverse();
    result.id = 77;
    result.mark = mark;
    return result;
}

std::shared_ptr<RuleIndex> rules(std::string_view yaml) {
    Diagnostics diagnostics;
    auto parsed = parse_rules(yaml, "test.yaml", diagnostics);
    EXPECT_TRUE(diagnostics.empty()) << diagnostics.front().to_string();
    return std::make_shared<RuleIndex>(std::move(parsed));
}

TEST(FlowTable, ADecisionConfirmedByConntrackBecomesALiveFlow) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40000), MarkDecision::kAllow, "web", kStart, kWall);
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.pending(), 1u);
    table.apply(entry(ConntrackEventType::kNew, tuple(40000), kMarks.value(MarkDecision::kAllow)),
                kStart);
    ASSERT_EQ(table.size(), 1u);
    EXPECT_EQ(table.pending(), 0u);
    const auto flows = table.flows();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_EQ(flows[0].original, tuple(40000));
    EXPECT_EQ(flows[0].decision, MarkDecision::kAllow);
    EXPECT_EQ(flows[0].rule_id, "web");
    EXPECT_EQ(flows[0].conntrack_id, 77u);
    ASSERT_TRUE(flows[0].connection.has_value());
    EXPECT_EQ(flows[0].connection->exe, "/usr/bin/curl");
    EXPECT_EQ(flows[0].decided_at, kWall);
}

TEST(FlowTable, ADestroyEventRemovesTheFlow) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40000), MarkDecision::kAllow, "web", kStart, kWall);
    table.apply(entry(ConntrackEventType::kNew, tuple(40000)), kStart);
    table.apply(entry(ConntrackEventType::kDestroy, tuple(40000)), kStart);
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.counters().destroyed, 1u);
}

TEST(FlowTable, DestinationNatBeforeOurHookStillJoinsTheDecision) {
    // The OUTPUT nat hook rewrote 192.0.2.80 to 10.77.0.2 before our filter hook saw it: the
    // original tuple names 192.0.2.80, the reply tuple the real server.
    FlowTable table(kMarks);
    table.record_decision(outbound(40000), MarkDecision::kAllow, "web", kStart, kWall);
    ConntrackEntry nat =
        entry(ConntrackEventType::kNew, tuple(40000, 80, *IpAddress::parse("192.0.2.80")));
    nat.reply = tuple(40000).inverse();
    table.apply(nat, kStart);
    const LiveFlow* flow = table.find(nat.original);
    ASSERT_NE(flow, nullptr);
    EXPECT_EQ(flow->rule_id, "web");
    EXPECT_TRUE(flow->connection.has_value());
    EXPECT_EQ(table.find(tuple(40000)), nullptr);
}

TEST(FlowTable, DecisionsNeverConfirmedExpire) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40000), MarkDecision::kDeny, "", kStart, kWall);
    EXPECT_EQ(table.pending(), 1u);
    // Any later activity sweeps what has expired.
    table.apply(entry(ConntrackEventType::kDestroy, tuple(1)), kStart + seconds(11));
    EXPECT_EQ(table.pending(), 0u);
    EXPECT_EQ(table.counters().pending_expired, 1u);
    table.apply(entry(ConntrackEventType::kNew, tuple(40000)), kStart + seconds(12));
    ASSERT_NE(table.find(tuple(40000)), nullptr);
    EXPECT_FALSE(table.find(tuple(40000))->connection.has_value());
}

TEST(FlowTable, FlowsWeDidNotDecideReadTheDecisionFromOurMarkBits) {
    FlowTable table(kMarks);
    table.apply(
        entry(ConntrackEventType::kNew, tuple(40001), 0x5 | kMarks.value(MarkDecision::kReject)),
        kStart);
    table.apply(entry(ConntrackEventType::kNew, tuple(40002), 0), kStart);
    EXPECT_EQ(table.find(tuple(40001))->decision, MarkDecision::kReject);
    EXPECT_EQ(table.find(tuple(40002))->decision, MarkDecision::kUndecided);
}

TEST(FlowTable, OnlyTcpAndUdpDecisionsAreRecorded) {
    FlowTable table(kMarks);
    Connection ping = outbound(0, 0);
    ping.protocol = Protocol::kIcmp;
    table.record_decision(ping, MarkDecision::kAllow, "", kStart, kWall);
    EXPECT_EQ(table.pending(), 0u);
}

TEST(FlowTable, ADumpReplacesWhatLostEventsLeftBehind) {
    FlowTable table(kMarks);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001)), kStart);
    table.apply(entry(ConntrackEventType::kNew, tuple(40002)), kStart);
    // 40001's DESTROY and 40003's NEW were lost.
    ConntrackEntry kept = entry(ConntrackEventType::kUpdate, tuple(40002));
    kept.counters = {3, 180, 2, 120};
    table.replace_with_dump({kept, entry(ConntrackEventType::kUpdate, tuple(40003))}, kStart);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.find(tuple(40001)), nullptr);
    ASSERT_NE(table.find(tuple(40002)), nullptr);
    EXPECT_EQ(table.find(tuple(40002))->counters, (ConntrackCounters{3, 180, 2, 120}));
    EXPECT_NE(table.find(tuple(40003)), nullptr);
    EXPECT_EQ(table.counters().destroyed, 1u);
}

TEST(FlowTable, AFullTableCountsWhatItCannotKeep) {
    FlowTable::Limits limits;
    limits.max_flows = 2;
    FlowTable table(kMarks, limits);
    for (std::uint16_t port = 40001; port <= 40003; ++port) {
        table.apply(entry(ConntrackEventType::kNew, tuple(port)), kStart);
    }
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.counters().dropped_full, 1u);
}

TEST(FlowTable, PendingDecisionsAreBounded) {
    FlowTable::Limits limits;
    limits.max_pending = 3;
    FlowTable table(kMarks, limits);
    for (std::uint16_t port = 40001; port <= 40010; ++port) {
        table.record_decision(outbound(port), MarkDecision::kDeny, "", kStart, kWall);
    }
    EXPECT_EQ(table.pending(), 3u);
    // The newest are the ones kept.
    table.apply(entry(ConntrackEventType::kNew, tuple(40010)), kStart);
    EXPECT_TRUE(table.find(tuple(40010))->connection.has_value());
}

TEST(FlowTable, ReevaluationFlipsFlowsTheNewRulesDecideOtherwise) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40001, 80), MarkDecision::kAllow, "web", kStart, kWall);
    table.record_decision(outbound(40002, 443), MarkDecision::kAllow, "web", kStart, kWall);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001, 80)), kStart);
    table.apply(entry(ConntrackEventType::kNew, tuple(40002, 443)), kStart);

    const auto new_rules = rules(R"(rules:
  - id: no-80
    action: deny
    port: 80
  - id: tls
    action: allow
    port: 443
)");
    const auto changes = table.reevaluate(*new_rules, Action::kAllow, kWall);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].original, tuple(40001, 80));
    EXPECT_EQ(changes[0].from, MarkDecision::kAllow);
    EXPECT_EQ(changes[0].to, MarkDecision::kDeny);
    EXPECT_EQ(changes[0].rule_id, "no-80");
    EXPECT_TRUE(changes[0].confirmed);
    EXPECT_EQ(table.find(tuple(40001, 80))->decision, MarkDecision::kDeny);
    EXPECT_EQ(table.find(tuple(40002, 443))->rule_id, "tls");
    // Nothing flips a second time.
    EXPECT_TRUE(table.reevaluate(*new_rules, Action::kAllow, kWall).empty());
}

TEST(FlowTable, ReevaluationUsesTheDefaultActionWhenNoRuleMatches) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40001), MarkDecision::kAllow, "web", kStart, kWall);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001)), kStart);
    const auto none = rules("rules: []\n");
    const auto changes = table.reevaluate(*none, Action::kReject, kWall);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].to, MarkDecision::kReject);
    EXPECT_EQ(changes[0].rule_id, "");
}

TEST(FlowTable, APromptOutcomeLeavesARunningFlowAlone) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40001), MarkDecision::kAllow, "web", kStart, kWall);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001)), kStart);
    const auto none = rules("rules: []\n");
    EXPECT_TRUE(table.reevaluate(*none, Action::kPrompt, kWall).empty());
    EXPECT_EQ(table.find(tuple(40001))->decision, MarkDecision::kAllow);
}

TEST(FlowTable, FlowsWeDidNotDecideAreNotReevaluated) {
    FlowTable table(kMarks);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001), kMarks.value(MarkDecision::kAllow)),
                kStart);
    const auto none = rules("rules: []\n");
    EXPECT_TRUE(table.reevaluate(*none, Action::kDeny, kWall).empty());
}

TEST(FlowTable, ReevaluationMatchesTheRecordedProcessAndHostNames) {
    FlowTable table(kMarks);
    Connection connection = outbound(40001);
    connection.host_names = {"app.test", "web.test"};
    table.record_decision(connection, MarkDecision::kAllow, "app", kStart, kWall);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001)), kStart);
    const auto new_rules = rules(R"(rules:
  - id: no-web
    action: deny
    host: web.test
    process: /usr/bin/curl
)");
    const auto changes = table.reevaluate(*new_rules, Action::kAllow, kWall);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].rule_id, "no-web");
}

TEST(FlowTable, UnconfirmedDecisionsAreReevaluatedToo) {
    FlowTable table(kMarks);
    table.record_decision(outbound(40001), MarkDecision::kAllow, "web", kStart, kWall);
    const auto none = rules("rules: []\n");
    const auto changes = table.reevaluate(*none, Action::kDeny, kWall);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_FALSE(changes[0].confirmed);
    table.apply(entry(ConntrackEventType::kNew, tuple(40001)), kStart);
    EXPECT_EQ(table.find(tuple(40001))->decision, MarkDecision::kDeny);
}

TEST(FlowTable, InboundDecisionsAreKeyedFromTheRemoteSide) {
    FlowTable table(kMarks);
    Connection inbound = outbound(22, 50000);
    inbound.direction = Direction::kIn;
    table.record_decision(inbound, MarkDecision::kAllow, "ssh", kStart, kWall);
    const ConntrackTuple original{kServer, kClient, 50000, 22, 6};
    table.apply(entry(ConntrackEventType::kNew, original), kStart);
    ASSERT_NE(table.find(original), nullptr);
    EXPECT_EQ(table.find(original)->rule_id, "ssh");
}

}  // namespace
}  // namespace sluice
