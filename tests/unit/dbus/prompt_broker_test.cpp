#include "daemon/prompt_broker.hpp"

#include <gtest/gtest.h>
#include <linux/netfilter.h>

#include "../daemon/packet_builder.hpp"
#include "rules/rule_parser.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kMask = 0x00700000;
constexpr std::uint32_t kAllowMark = 0x00100000;
constexpr std::uint32_t kDenyMark = 0x00200000;

class RecordingSink final : public VerdictSink {
  public:
    void issue(const PacketVerdict& verdict) override { verdicts.push_back(verdict); }
    std::vector<PacketVerdict> verdicts;
};

class FakeAttribution final : public AttributionSource {
  public:
    void attribute(const QueuedPacket& packet, Connection& connection) noexcept override {
        ++calls;
        connection.exe = "/usr/bin/curl";
        connection.pid = 4242;
        connection.uid = packet.uid;
    }
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
    }
    std::vector<DecisionReason> reasons;
    std::vector<std::string> rule_ids;
};

class FakeAgents final : public PromptAgents {
  public:
    std::size_t ask(const PromptRequest& request) override {
        asked.push_back(request);
        return agents;
    }
    void withdraw(const std::string& prompt_id) override { withdrawn.push_back(prompt_id); }
    std::size_t agents = 1;
    std::vector<PromptRequest> asked;
    std::vector<std::string> withdrawn;
};

class FakeEffects final : public PromptEffects {
  public:
    void decide(const ParkedPacket& packet, const FlowKey& flow, const Connection& connection,
                MarkDecision decision, DecisionReason reason, std::string_view rule_id) override {
        pipeline->decide_parked(packet, flow, connection, decision, reason, rule_id);
    }
    std::string make_rule(const PromptAnswer& answer, const Connection&) override {
        rules_made.push_back(answer.scope);
        return answer.scope == Scope::kOnce ? std::string() : "prompt-rule";
    }
    void flush() override { ++flushes; }
    void schedule(std::optional<std::chrono::steady_clock::time_point> deadline) override {
        scheduled.push_back(deadline);
    }
    VerdictPipeline* pipeline = nullptr;
    std::vector<Scope> rules_made;
    int flushes = 0;
    std::vector<std::optional<std::chrono::steady_clock::time_point>> scheduled;
};

class PromptBrokerTest : public ::testing::Test {
  protected:
    void SetUp() override { make(PromptSettings{2s, Action::kDeny, 8, 16, 4}); }

    void make(PromptSettings prompt) {
        PipelineSettings settings{*MarkLayout::from_mask(kMask)};
        settings.default_action = Action::kPrompt;
        settings.no_agent = Action::kAllow;
        settings.prompt_fallback = Action::kDeny;
        pipeline = std::make_unique<VerdictPipeline>(settings, sink, attribution, clock, listener);
        broker = std::make_unique<PromptBroker>(prompt, clock, agents, effects);
        effects.pipeline = pipeline.get();
        pipeline->set_prompt_gate(broker.get());
        Diagnostics diagnostics;
        auto rules = parse_rules("rules:\n  - id: web\n    action: allow\n    port: 80\n",
                                 "test.yaml", diagnostics);
        ASSERT_TRUE(diagnostics.empty());
        pipeline->set_rules(std::make_shared<const RuleIndex>(std::move(rules)));
    }

    void send(std::uint16_t source_port, std::uint16_t destination_port, std::uint32_t uid = 1000) {
        const auto bytes =
            testing::build_packet("10.77.0.1", source_port, "10.77.0.2", destination_port);
        QueuedPacket packet;
        packet.packet_id = ++next_id;
        packet.uid = uid;
        packet.payload = bytes;
        pipeline->on_packet(packet);
    }

    PromptAnswer answer(Action action, Scope scope) {
        PromptAnswer made;
        made.action = action;
        made.scope = scope;
        return made;
    }

    RecordingSink sink;
    FakeAttribution attribution;
    ManualClock clock;
    RecordingListener listener;
    FakeAgents agents;
    FakeEffects effects;
    std::unique_ptr<VerdictPipeline> pipeline;
    std::unique_ptr<PromptBroker> broker;
    std::uint32_t next_id = 0;
};

TEST_F(PromptBrokerTest, PromptParksThePacketUntilTheAnswer) {
    send(40000, 443);
    EXPECT_TRUE(sink.verdicts.empty());
    ASSERT_EQ(agents.asked.size(), 1u);
    EXPECT_EQ(agents.asked[0].connection.exe, "/usr/bin/curl");
    EXPECT_EQ(agents.asked[0].connection.remote_port, 443);
    EXPECT_EQ(agents.asked[0].timeout, 2s);
    EXPECT_EQ(broker->pending_prompts(), 1u);
    EXPECT_EQ(broker->parked_packets(), 1u);
    ASSERT_FALSE(effects.scheduled.empty());
    EXPECT_EQ(effects.scheduled.back(), clock.steady + 2s);

    broker->answer(agents.asked[0].id, answer(Action::kAllow, Scope::kForever));
    ASSERT_EQ(sink.verdicts.size(), 1u);
    EXPECT_EQ(sink.verdicts[0].packet_id, 1u);
    EXPECT_EQ(sink.verdicts[0].kind, static_cast<std::uint32_t>(NF_REPEAT));
    EXPECT_EQ(*sink.verdicts[0].mark & kMask, kAllowMark);
    EXPECT_EQ(effects.rules_made, std::vector<Scope>{Scope::kForever});
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kPromptAnswer);
    EXPECT_EQ(listener.rule_ids.back(), "prompt-rule");
    EXPECT_EQ(agents.withdrawn, std::vector<std::string>{agents.asked[0].id});
    EXPECT_EQ(effects.flushes, 1);
    EXPECT_EQ(broker->pending_prompts(), 0u);
    EXPECT_EQ(broker->parked_packets(), 0u);
    EXPECT_EQ(effects.scheduled.back(), std::nullopt);
}

TEST_F(PromptBrokerTest, WithoutAnAgentNoAgentDecidesAtOnce) {
    agents.agents = 0;
    send(40000, 443);
    ASSERT_EQ(sink.verdicts.size(), 1u);
    EXPECT_EQ(*sink.verdicts[0].mark & kMask, kAllowMark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kNoAgent);
    EXPECT_EQ(broker->pending_prompts(), 0u);
}

TEST_F(PromptBrokerTest, DeadlineAppliesTheFallbackAndWithdrawsTheQuestion) {
    send(40000, 443);
    clock.steady += 1999ms;
    broker->expire();
    EXPECT_TRUE(sink.verdicts.empty());
    clock.steady += 1ms;
    broker->expire();
    ASSERT_EQ(sink.verdicts.size(), 1u);
    EXPECT_EQ(*sink.verdicts[0].mark & kMask, kDenyMark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kPromptFallback);
    EXPECT_EQ(agents.withdrawn, std::vector<std::string>{agents.asked[0].id});
    EXPECT_EQ(broker->counters().timed_out, 1u);
    EXPECT_TRUE(effects.rules_made.empty());
}

TEST_F(PromptBrokerTest, RetransmissionOfAParkedFlowJoinsWithoutAttribution) {
    send(40000, 443);
    const int attributed = attribution.calls;
    send(40000, 443);
    EXPECT_EQ(attribution.calls, attributed);
    EXPECT_EQ(agents.asked.size(), 1u);
    EXPECT_EQ(broker->parked_packets(), 2u);
    broker->answer(agents.asked[0].id, answer(Action::kDeny, Scope::kOnce));
    ASSERT_EQ(sink.verdicts.size(), 2u);
    EXPECT_EQ(*sink.verdicts[1].mark & kMask, kDenyMark);
}

TEST_F(PromptBrokerTest, SameProgramToSameDestinationSharesOnePrompt) {
    send(40000, 443);
    send(40001, 443);
    send(40002, 443);
    EXPECT_EQ(agents.asked.size(), 1u);
    EXPECT_EQ(broker->pending_prompts(), 1u);
    broker->answer(agents.asked[0].id, answer(Action::kAllow, Scope::kOnce));
    EXPECT_EQ(sink.verdicts.size(), 3u);
}

TEST_F(PromptBrokerTest, AnotherDestinationOrUserGetsItsOwnPrompt) {
    send(40000, 443);
    send(40001, 8443);
    send(40002, 443, 1001);
    EXPECT_EQ(agents.asked.size(), 3u);
}

TEST_F(PromptBrokerTest, OtherConnectionsAreNotHeldBehindAPendingPrompt) {
    send(40000, 443);
    send(40001, 80);  // matches the allow rule
    ASSERT_EQ(sink.verdicts.size(), 1u);
    EXPECT_EQ(sink.verdicts[0].packet_id, 2u);
    EXPECT_EQ(*sink.verdicts[0].mark & kMask, kAllowMark);
}

TEST_F(PromptBrokerTest, AfterTheAnswerTheFlowIsAnsweredFromTheCache) {
    send(40000, 443);
    broker->answer(agents.asked[0].id, answer(Action::kAllow, Scope::kOnce));
    send(40000, 443);
    ASSERT_EQ(sink.verdicts.size(), 2u);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kFlowCache);
    EXPECT_EQ(agents.asked.size(), 1u);
}

TEST_F(PromptBrokerTest, WhenEveryAskedAgentFailsTheFallbackDecidesAtOnce) {
    agents.agents = 2;
    send(40000, 443);
    broker->agent_failed(agents.asked[0].id);
    EXPECT_TRUE(sink.verdicts.empty());
    broker->agent_failed(agents.asked[0].id);
    ASSERT_EQ(sink.verdicts.size(), 1u);
    EXPECT_EQ(*sink.verdicts[0].mark & kMask, kDenyMark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kPromptFallback);
}

TEST_F(PromptBrokerTest, LateAnswersAreCountedAndIgnored) {
    send(40000, 443);
    clock.steady += 5s;
    broker->expire();
    broker->answer(agents.asked[0].id, answer(Action::kAllow, Scope::kForever));
    EXPECT_EQ(sink.verdicts.size(), 1u);
    EXPECT_EQ(broker->counters().late_answers, 1u);
    EXPECT_TRUE(effects.rules_made.empty());
}

TEST_F(PromptBrokerTest, PacketsOverThePerPromptBoundGetTheFallback) {
    for (std::uint16_t port = 40000; port < 40006; ++port) {
        send(port, 443);
    }
    EXPECT_EQ(broker->parked_packets(), 4u);
    ASSERT_EQ(sink.verdicts.size(), 2u);
    EXPECT_EQ(*sink.verdicts[0].mark & kMask, kDenyMark);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kPromptFull);
    EXPECT_EQ(broker->counters().full, 2u);
}

TEST_F(PromptBrokerTest, ParkedPacketsAreBoundedOverall) {
    make(PromptSettings{2s, Action::kDeny, 3, 16, 64});
    for (std::uint16_t port = 1; port <= 5; ++port) {
        send(40000, static_cast<std::uint16_t>(1000 + port));
    }
    EXPECT_EQ(broker->parked_packets(), 3u);
    EXPECT_EQ(agents.asked.size(), 3u);
    EXPECT_EQ(sink.verdicts.size(), 2u);
}

TEST_F(PromptBrokerTest, DecideAllAnswersEveryPendingPrompt) {
    send(40000, 443);
    send(40001, 8443);
    broker->decide_all(MarkDecision::kAllowDisabled, DecisionReason::kDisabled);
    EXPECT_EQ(sink.verdicts.size(), 2u);
    EXPECT_EQ(agents.withdrawn.size(), 2u);
    EXPECT_EQ(broker->pending_prompts(), 0u);
    EXPECT_EQ(listener.reasons.back(), DecisionReason::kDisabled);
}

}  // namespace
}  // namespace sluice
