#include "daemon/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstAtOnceThenRefillsAtTheRate) {
    const std::chrono::steady_clock::time_point start{1h};
    RateLimiter limiter({.per_second = 10.0, .burst = 3.0}, start);
    EXPECT_TRUE(limiter.allow(start));
    EXPECT_TRUE(limiter.allow(start));
    EXPECT_TRUE(limiter.allow(start));
    EXPECT_FALSE(limiter.allow(start));
    EXPECT_FALSE(limiter.allow(start + 50ms));  // half a token
    EXPECT_TRUE(limiter.allow(start + 100ms));
    EXPECT_FALSE(limiter.allow(start + 100ms));
}

TEST(RateLimiter, IdleTimeRefillsNoMoreThanTheBurst) {
    const std::chrono::steady_clock::time_point start{1h};
    RateLimiter limiter({.per_second = 100.0, .burst = 2.0}, start);
    const auto later = start + 1h;
    EXPECT_TRUE(limiter.allow(later));
    EXPECT_TRUE(limiter.allow(later));
    EXPECT_FALSE(limiter.allow(later));
}

TEST(RateLimiter, ClockGoingBackwardsGrantsNothingExtra) {
    const std::chrono::steady_clock::time_point start{1h};
    RateLimiter limiter({.per_second = 1.0, .burst = 1.0}, start);
    EXPECT_TRUE(limiter.allow(start));
    EXPECT_FALSE(limiter.allow(start - 10s));
    EXPECT_FALSE(limiter.allow(start));
}

}  // namespace
}  // namespace sluice
