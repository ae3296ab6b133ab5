#include "daemon/flow_cache.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace std::chrono_literals;

FlowKey key(std::uint16_t port) {
    return FlowKey{*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.2"), port, 80, 6};
}

TEST(FlowCache, FindsFreshEntryAndForgetsExpiredOne) {
    FlowCache cache(10, 10s);
    const std::chrono::steady_clock::time_point t0{1h};
    cache.insert(key(1), MarkDecision::kDeny, "r", t0);
    ASSERT_NE(cache.find(key(1), t0 + 9s), nullptr);
    EXPECT_EQ(cache.find(key(1), t0 + 9s)->decision, MarkDecision::kDeny);
    EXPECT_EQ(cache.find(key(1), t0 + 10s), nullptr);
    EXPECT_EQ(cache.find(key(2), t0), nullptr);
}

TEST(FlowCache, EvictsOldestWhenFull) {
    FlowCache cache(3, 60s);
    const std::chrono::steady_clock::time_point t0{1h};
    for (std::uint16_t port = 1; port <= 4; ++port) {
        cache.insert(key(port), MarkDecision::kAllow, "", t0 + std::chrono::seconds(port));
    }
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.find(key(1), t0 + 5s), nullptr);
    EXPECT_NE(cache.find(key(4), t0 + 5s), nullptr);
    EXPECT_EQ(cache.counters().evictions, 1u);
}

TEST(FlowCache, ReinsertedKeyKeepsItsNewerExpiry) {
    FlowCache cache(10, 10s);
    const std::chrono::steady_clock::time_point t0{1h};
    cache.insert(key(1), MarkDecision::kAllow, "", t0);
    cache.insert(key(1), MarkDecision::kDeny, "", t0 + 5s);
    cache.insert(key(2), MarkDecision::kAllow, "", t0 + 11s);  // expires the first insertion
    ASSERT_NE(cache.find(key(1), t0 + 12s), nullptr);
    EXPECT_EQ(cache.find(key(1), t0 + 12s)->decision, MarkDecision::kDeny);
}

TEST(FlowCache, StaysBoundedUnderManyDistinctFlows) {
    FlowCache cache(100, 60s);
    const std::chrono::steady_clock::time_point t0{1h};
    for (std::uint16_t port = 0; port < 10000; ++port) {
        cache.insert(key(port), MarkDecision::kAllow, "", t0);
    }
    EXPECT_EQ(cache.size(), 100u);
}

}  // namespace
}  // namespace sluice
