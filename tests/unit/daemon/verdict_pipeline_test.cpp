#include "daemon/verdict_pipeline.hpp"

#include <gtest/gtest.h>
#include <linux/netfilter.h>

#include "packet_builder.hpp"
#include "rules/rule_parser.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class RecordingSink final : public VerdictSink {
  public:
    void issue(const PacketVerdict& verdict) override { verdicts.push_back(verdict); }
    std::vector<PacketVerdict> verdicts;
};

class FakeAttribution final : public AttributionSource {
  public:
    void attribute(const QueuedPacket&, Connection& connection) noexcept override {
        ++calls;
        connection.exe = exe;
        connection.pid = 4242;
    }
    std::string exe = "/usr/bin/curl";
    int calls = 0;
};

class ManualClock final : public Clock {
  public:
    std::chrono::steady_clock::time_point steady_now() const override { return steady; }
    std::chrono::system_clock::time_point wall_now() const override { return wall; }
    std::chrono::steady_clock::time_point steady{std::chrono::hours(1)};
    std::chrono::system_clock::time_point wall{std::chrono::hours(24 * 365 * 56)};
};

class RecordingListener final : public DecisionListener {
  public:
    void on_decision(const DecisionRecord& record) override {
        reasons.push_back(record.reason);
        rule_ids.emplace_back(record.rule_id);
        remote_ports.push_back(record.connection.remote_port);
    }
    std::vector<DecisionReason> reasons;
    std::vector<std::string> rule_ids;
    std::vector<std::uint16_t> remote_ports;
};

constexpr std::uint32_t kMask = 0x00700000;
constexpr std::uint32_t kAllowMark = 0x00100000;
constexpr std::uint32_t kDenyMark = 0x00200000;
constexpr std::uint32_t kRejectMark = 0x00300000;

class VerdictPipelineTest : public ::testing::Test {
  protected:
    PipelineSettings settings() {
        PipelineSettings s{*MarkLayout::from_mask(kMask)};
        s.default_action = Action::kDeny;
        s.no_agent = Action::kAllow;
        return s;
    }
    void make(PipelineSettings s) {
        pipeline = std::make_unique<VerdictPipeline>(s, sink, attribution, clock, listener);
    }
    void load(const std::string& yaml) {
        Diagnostics diagnostics;
        auto rules = parse_rules(yaml, "test.yaml", diagnostics);
        ASSERT_TRUE(diagnostics.empty()) << diagnostics.front().to_string();
        pipeline->set_rules(std::make_shared<const RuleIndex>(std::move(rules)));
    }
    PacketVerdict send(const std::vector<std::uint8_t>& bytes, std::uint32_t mark = 0,
                       QueueHook hook = QueueHook::kLocalOut) {
        QueuedPacket packet;
        packet.packet_id = ++next_id;
        packet.mark = mark;
        packet.hook = hook;
        packet.uid = 1000;
        packet.payload = bytes;
        pipeline->on_packet(packet);
        EXPECT_FALSE(sink.verdicts.empty());
        EXPECT_EQ(sink.verdicts.back().packet_id, next_id);
        return sink.verdicts.back();
    }

    RecordingSink sink;
    FakeAttribution attribution;
    ManualClock clock;
    RecordingListener listener;
    std::unique_ptr<VerdictPipeline> pipeline;
    std::uint32_t next_id = 0;
};

TEST_F(VerdictPipelineTest, MatchingRuleDecidesWithRepeatAndOurMarkBits) {
    make(settings());
    load("rules:\n  - id: web\n    action: allow\n    port: 80\n");
    const auto verdict = send(testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80));
    EXPECT_EQ(verdict.kind, static_cast<std::uint32_t>(NF_REPEAT));
    ASSERT_TRUE(verdict.mark);
    EXPECT_EQ(*verdict.mark, kAllowMark);
    EXPECT_FALSE(verdict.conntrack_mark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kRule);
    EXPECT_EQ(listener.rule_ids.back(), "web");
}

TEST_F(VerdictPipelineTest, OtherMarkBitsSurviveTheVerdict) {
    make(settings());
    load("rules:\n  - id: no\n    action: deny\n");
    const auto verdict = send(testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80), 0x8000000f);
    EXPECT_EQ(*verdict.mark, 0x8000000fu | kDenyMark);
}

TEST_F(VerdictPipelineTest, NoMatchUsesDefaultAction) {
    make(settings());
    load("rules:\n  - action: allow\n    port: 443\n");
    EXPECT_EQ(*send(testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80)).mark, kDenyMark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kDefault);
}

TEST_F(VerdictPipelineTest, PromptWithoutAgentFallsToNoAgentAction) {
    auto s = settings();
    s.default_action = Action::kPrompt;
    s.no_agent = Action::kDeny;
    make(s);
    EXPECT_EQ(*send(testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80)).mark, kDenyMark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kNoAgent);
}

TEST_F(VerdictPipelineTest, RejectRuleSetsRejectMark) {
    make(settings());
    load("rules:\n  - action: reject\n    protocol: udp\n");
    EXPECT_EQ(*send(testing::build_packet("10.0.0.1", 5000, "10.0.0.2", 53, 17)).mark, kRejectMark);
}

TEST_F(VerdictPipelineTest, SecondPacketOfFlowIsAnsweredFromCacheWithoutAttribution) {
    make(settings());
    load("rules:\n  - id: web\n    action: allow\n    port: 80\n");
    const auto bytes = testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80);
    send(bytes);
    send(bytes);
    EXPECT_EQ(attribution.calls, 1);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kFlowCache);
    EXPECT_EQ(listener.rule_ids.back(), "web");
    EXPECT_EQ(pipeline->counters().from_flow_cache, 1u);
}

TEST_F(VerdictPipelineTest, CachedDecisionExpiresAfterTtl) {
    auto s = settings();
    s.flow_cache_ttl = 5s;
    make(s);
    const auto bytes = testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80);
    send(bytes);
    clock.steady += 5s;
    send(bytes);
    EXPECT_EQ(attribution.calls, 2);
}

TEST_F(VerdictPipelineTest, NewRulesClearTheFlowCache) {
    make(settings());
    load("rules:\n  - action: allow\n");
    const auto bytes = testing::build_packet("10.0.0.1", 40000, "10.0.0.2", 80);
    EXPECT_EQ(*send(bytes).mark, kAllowMark);
    load("rules:\n  - action: deny\n");
    EXPECT_EQ(*send(bytes).mark, kDenyMark);
}

TEST_F(VerdictPipelineTest, ProcessRuleSeesAttributedExe) {
    make(settings());
    load("rules:\n  - id: c\n    action: allow\n    process: /usr/bin/curl\n");
    EXPECT_EQ(*send(testing::build_packet("10.0.0.1", 1, "10.0.0.2", 80)).mark, kAllowMark);
    attribution.exe = "/usr/bin/wget";
    EXPECT_EQ(*send(testing::build_packet("10.0.0.1", 2, "10.0.0.2", 80)).mark, kDenyMark);
}

TEST_F(VerdictPipelineTest, InboundPacketSwapsLocalAndRemote) {
    make(settings());
    load("rules:\n  - action: allow\n    direction: in\n    local_port: 22\n");
    const auto verdict =
        send(testing::build_packet("10.0.0.9", 50000, "10.0.0.1", 22), 0, QueueHook::kLocalIn);
    EXPECT_EQ(*verdict.mark, kAllowMark);
    EXPECT_EQ(listener.remote_ports.back(), 50000);
}

TEST_F(VerdictPipelineTest, UnparsablePacketFollowsFailPosture) {
    auto s = settings();
    s.fail_open = false;
    make(s);
    EXPECT_EQ(*send({0x45, 0x00}).mark, kDenyMark);
    EXPECT_EQ(pipeline->counters().unparsable, 1u);
    s.fail_open = true;
    make(s);
    EXPECT_EQ(*send({0x45, 0x00}).mark, kAllowMark);
}

TEST_F(VerdictPipelineTest, DisabledAcceptsWithDisabledMark) {
    make(settings());
    load("rules:\n  - action: deny\n");
    pipeline->set_enabled(false);
    EXPECT_EQ(*send(testing::build_packet("10.0.0.1", 1, "10.0.0.2", 80)).mark, 0x00400000u);
    EXPECT_EQ(attribution.calls, 0);
}

TEST_F(VerdictPipelineTest, ConntrackGlueAddsCtMarkWithMask) {
    auto s = settings();
    s.set_conntrack_mark = true;
    make(s);
    load("rules:\n  - action: allow\n");
    const auto verdict = send(testing::build_packet("fd00::1", 1, "fd00::2", 443));
    ASSERT_TRUE(verdict.conntrack_mark);
    EXPECT_EQ(*verdict.conntrack_mark, kAllowMark);
    EXPECT_EQ(verdict.conntrack_mark_mask, kMask);
}

}  // namespace
}  // namespace sluice
