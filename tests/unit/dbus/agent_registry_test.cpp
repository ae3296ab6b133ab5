#include "daemon/agent_registry.hpp"

#include <gtest/gtest.h>

#include "daemon/call_limiter.hpp"

namespace sluice {
namespace {

TEST(AgentRegistry, AgentsAnswerForTheirOwnUidAndRootsForEveryone) {
    AgentRegistry registry;
    ASSERT_TRUE(registry.add(Agent{":1.1", "/a", 1000}));
    ASSERT_TRUE(registry.add(Agent{":1.2", "/b", 1001}));
    ASSERT_TRUE(registry.add(Agent{":1.3", "/c", 0}));
    EXPECT_EQ(registry.eligible(1000),
              (std::vector<Agent>{{":1.1", "/a", 1000}, {":1.3", "/c", 0}}));
    EXPECT_EQ(registry.eligible(1001),
              (std::vector<Agent>{{":1.2", "/b", 1001}, {":1.3", "/c", 0}}));
    EXPECT_EQ(registry.eligible(std::nullopt), (std::vector<Agent>{{":1.3", "/c", 0}}));
    EXPECT_EQ(registry.eligible(4242), (std::vector<Agent>{{":1.3", "/c", 0}}));
}

TEST(AgentRegistry, RegisteringTwiceKeepsOneAgent) {
    AgentRegistry registry;
    ASSERT_TRUE(registry.add(Agent{":1.1", "/a", 1000}));
    ASSERT_TRUE(registry.add(Agent{":1.1", "/a", 1000}));
    EXPECT_EQ(registry.size(), 1u);
}

TEST(AgentRegistry, OnlyTheRegisteringClientRemovesItsAgent) {
    AgentRegistry registry;
    ASSERT_TRUE(registry.add(Agent{":1.1", "/a", 1000}));
    EXPECT_FALSE(registry.remove(":1.2", "/a"));
    EXPECT_TRUE(registry.remove(":1.1", "/a"));
    EXPECT_EQ(registry.size(), 0u);
}

TEST(AgentRegistry, AClientLeavingTakesAllItsAgents) {
    AgentRegistry registry;
    ASSERT_TRUE(registry.add(Agent{":1.1", "/a", 1000}));
    ASSERT_TRUE(registry.add(Agent{":1.1", "/b", 1000}));
    ASSERT_TRUE(registry.add(Agent{":1.2", "/a", 1000}));
    EXPECT_EQ(registry.remove_sender(":1.1").size(), 2u);
    EXPECT_EQ(registry.agents(), (std::vector<Agent>{{":1.2", "/a", 1000}}));
}

TEST(AgentRegistry, RegistrationsAreBounded) {
    AgentRegistry registry;
    for (std::size_t i = 0; i < AgentRegistry::kMaxPerSender; ++i) {
        ASSERT_TRUE(registry.add(Agent{":1.1", "/a" + std::to_string(i), 1000}));
    }
    EXPECT_EQ(registry.add(Agent{":1.1", "/overflow", 1000}).error().what,
              "a client may register at most 4 agents");
    for (std::size_t i = registry.size(); i < AgentRegistry::kMaxAgents; ++i) {
        ASSERT_TRUE(registry.add(Agent{":2." + std::to_string(i), "/a", 1000}));
    }
    EXPECT_EQ(registry.add(Agent{":3.0", "/a", 1000}).error().what,
              "too many prompt agents are registered (at most 64)");
}

TEST(CallLimiter, AFloodingClientIsRefusedWhileOthersAreServed) {
    CallLimiter limiter(CallLimiter::Limits{{10.0, 20.0}, 100});
    const auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    int admitted = 0;
    for (int i = 0; i < 1000; ++i) {
        admitted += limiter.admit(":1.1", now) ? 1 : 0;
    }
    EXPECT_EQ(admitted, 20);
    EXPECT_EQ(limiter.refused(), 980u);
    EXPECT_TRUE(limiter.admit(":1.2", now));
    // Tokens come back with time.
    EXPECT_TRUE(limiter.admit(":1.1", now + std::chrono::milliseconds(150)));
}

TEST(CallLimiter, ClientTableIsBounded) {
    CallLimiter limiter(CallLimiter::Limits{{10.0, 20.0}, 8});
    const auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(limiter.admit(":1." + std::to_string(i), now));
        ASSERT_LE(limiter.clients(), 8u);
    }
}

}  // namespace
}  // namespace sluice
