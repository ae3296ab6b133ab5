#include "daemon/attribution/process_stat.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

constexpr const char* kStat =
    "4242 (sleep) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 8000000 200 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStat, ReadsPidStateParentFlagsAndStartTime) {
    const auto stat = parse_process_stat(kStat);
    ASSERT_TRUE(stat.has_value());
    EXPECT_EQ(stat->pid, 4242U);
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 1U);
    EXPECT_EQ(stat->flags, 4194560U);
    EXPECT_EQ(stat->flags & kTaskFlagExiting, 0U);
    EXPECT_EQ(stat->start_time, 987654U);
}

TEST(ProcessStat, CommandNameWithSpacesAndParenthesesIsSkippedWhole) {
    const auto stat = parse_process_stat(
        "77 (evil) S 1 2 3 (x) Z 9 1 1 0 -1 4 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0\n");
    ASSERT_TRUE(stat.has_value());
    EXPECT_EQ(stat->pid, 77U);
    EXPECT_EQ(stat->state, 'Z');
    EXPECT_EQ(stat->ppid, 9U);
    EXPECT_EQ(stat->flags, kTaskFlagExiting);
    EXPECT_EQ(stat->start_time, 555U);
}

TEST(ProcessStat, MalformedTextIsNullopt) {
    EXPECT_EQ(parse_process_stat(""), std::nullopt);
    EXPECT_EQ(parse_process_stat("12 (cut) S 1 2"), std::nullopt);
    EXPECT_EQ(parse_process_stat("x (name) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"),
              std::nullopt);
    EXPECT_EQ(parse_process_stat("1 (name) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"),
              std::nullopt);
    EXPECT_EQ(parse_process_stat("1 (name) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5"),
              std::nullopt);
}

}  // namespace
}  // namespace sluice
