#include "daemon/attribution/queue_watermarks.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace sluice {
namespace {

using namespace std::chrono_literals;
using TimePoint = QueueWatermarks::TimePoint;

constexpr const char* kQueues =
    "    0  12345     0 2 65531     0     0       17  1\n"
    " 4242  67890     3 2 65531     0     0   123456  1\n";

TEST(QueueIdSequence, ReadsTheIdColumnOfTheRightQueue) {
    EXPECT_EQ(parse_queue_id_sequence(kQueues, 4242), 123456U);
    EXPECT_EQ(parse_queue_id_sequence(kQueues, 0), 17U);
    EXPECT_EQ(parse_queue_id_sequence(kQueues, 7), std::nullopt);
    EXPECT_EQ(parse_queue_id_sequence("4242 1 2\n", 4242), std::nullopt);
}

TEST(QueueWatermarks, APacketWasQueuedAfterTheLastMomentItsIdWasNotHandedOut) {
    QueueWatermarks marks(4242, "/nonexistent");
    const TimePoint t0{1s};
    marks.record(t0, 10);
    marks.record(t0 + 5ms, 12);
    marks.record(t0 + 9ms, 12);  // nothing queued since: the later moment replaces it

    EXPECT_EQ(marks.queued_after(13), t0 + 9ms);
    EXPECT_EQ(marks.queued_after(12), t0);
    EXPECT_EQ(marks.queued_after(11), t0);
    EXPECT_EQ(marks.queued_after(10), std::nullopt);
}

TEST(QueueWatermarks, IdsWrapAroundAt32Bits) {
    QueueWatermarks marks(4242, "/nonexistent");
    marks.record(TimePoint{1s}, 0xfffffff0U);
    EXPECT_EQ(marks.queued_after(5), TimePoint{1s});
}

TEST(QueueWatermarks, ObservesTheProcFile) {
    const std::string path = ::testing::TempDir() + "/nfnetlink_queue";
    std::ofstream(path) << kQueues;
    QueueWatermarks marks(4242, path);
    marks.observe(TimePoint{3s});
    EXPECT_EQ(marks.queued_after(123457), TimePoint{3s});
    EXPECT_EQ(marks.queued_after(123456), std::nullopt);
}

}  // namespace
}  // namespace sluice
