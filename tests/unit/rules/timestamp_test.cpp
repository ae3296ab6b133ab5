#include "rules/timestamp.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace std::chrono;

TEST(Timestamp, ParsesUtcAndFormatsBack) {
    const auto time = parse_timestamp("2026-12-24T18:00:00Z");
    ASSERT_TRUE(time);
    EXPECT_EQ(*time, sys_days{2026y / December / 24} + 18h);
    EXPECT_EQ(format_timestamp(*time), "2026-12-24T18:00:00Z");
}

TEST(Timestamp, OffsetsAndFractionsConvertToUtc) {
    EXPECT_EQ(parse_timestamp("2026-12-24T19:30:00+01:30"),
              parse_timestamp("2026-12-24T18:00:00Z"));
    EXPECT_EQ(parse_timestamp("2026-12-24T17:00:00-01:00"),
              parse_timestamp("2026-12-24T18:00:00Z"));
    const auto fractional = parse_timestamp("2026-01-01t00:00:00.25z");
    ASSERT_TRUE(fractional);
    EXPECT_EQ(format_timestamp(*fractional), "2026-01-01T00:00:00.25Z");
}

TEST(Timestamp, RejectsMalformedAndOutOfRangeTimes) {
    for (const char* text :
         {"2026-12-24", "2026-12-24 18:00:00Z", "2026-12-24T18:00:00", "2026-02-30T00:00:00Z",
          "2026-12-24T24:00:00Z", "2026-12-24T18:00:60Z", "1969-12-31T23:59:59Z",
          "2201-01-01T00:00:00Z", "2026-12-24T18:00:00.Z", "2026-12-24T18:00:00Zjunk",
          "2026-12-24T18:00:00+1:00", "2026-12-24T18:00:00.1234567890Z"}) {
        EXPECT_FALSE(parse_timestamp(text)) << text;
    }
}

}  // namespace
}  // namespace sluice
