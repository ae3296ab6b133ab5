#include "daemon/one_shot_timer.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>

namespace sluice {
namespace {

bool readable_within(int fd, int milliseconds) {
    pollfd ready{fd, POLLIN, 0};
    return ::poll(&ready, 1, milliseconds) == 1;
}

TEST(OneShotTimer, FiresOnceAfterItIsArmedAndNotBefore) {
    auto timer = OneShotTimer::create();
    ASSERT_TRUE(timer) << timer.error().message();
    EXPECT_FALSE(readable_within(timer->fd(), 20)) << "a timer never armed fired";
    ASSERT_TRUE(timer->arm(std::chrono::milliseconds(5)));
    EXPECT_TRUE(readable_within(timer->fd(), 5000));
    timer->consume();
    EXPECT_FALSE(readable_within(timer->fd(), 30)) << "it fired a second time";
}

TEST(OneShotTimer, ADeadlineInThePastFiresAtOnce) {
    auto timer = OneShotTimer::create();
    ASSERT_TRUE(timer);
    ASSERT_TRUE(timer->arm(std::chrono::milliseconds(-3)));
    EXPECT_TRUE(readable_within(timer->fd(), 5000));
}

TEST(OneShotTimer, ArmingAgainMovesTheDeadline) {
    auto timer = OneShotTimer::create();
    ASSERT_TRUE(timer);
    ASSERT_TRUE(timer->arm(std::chrono::hours(1)));
    ASSERT_TRUE(timer->arm(std::chrono::milliseconds(1)));
    EXPECT_TRUE(readable_within(timer->fd(), 5000));
}

}  // namespace
}  // namespace sluice
