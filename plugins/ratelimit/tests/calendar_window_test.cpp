// Calendar arithmetic of the UTC day and month windows.
#include "calendar_window.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace cc::ratelimit;

TEST(CalendarWindow, NextDayCrossesMonthYearAndLeapDay) {
  EXPECT_EQ(nextDayStart("2025-01-15T00:00:00.000Z"), "2025-01-16T00:00:00Z");
  EXPECT_EQ(nextDayStart("2025-01-31T00:00:00.000Z"), "2025-02-01T00:00:00Z");
  EXPECT_EQ(nextDayStart("2024-02-28T00:00:00.000Z"), "2024-02-29T00:00:00Z");
  EXPECT_EQ(nextDayStart("2025-02-28T00:00:00.000Z"), "2025-03-01T00:00:00Z");
  EXPECT_EQ(nextDayStart("2025-12-31T00:00:00.000Z"), "2026-01-01T00:00:00Z");
}

TEST(CalendarWindow, NextMonthRollsDecemberIntoJanuary) {
  EXPECT_EQ(nextMonthStart("2025-01-01T00:00:00.000Z"), "2025-02-01T00:00:00Z");
  EXPECT_EQ(nextMonthStart("2025-12-01T00:00:00.000Z"), "2026-01-01T00:00:00Z");
}

TEST(CalendarWindow, SecondsUntilRoundsUpAndIsAtLeastOne) {
  EXPECT_EQ(secondsUntil("2025-01-16T00:00:00Z", "2025-01-15T00:00:00.000Z"), 86400);
  EXPECT_EQ(secondsUntil("2025-01-16T00:00:00Z", "2025-01-15T23:59:59.001Z"), 1);
  EXPECT_EQ(secondsUntil("2025-01-16T00:00:00Z", "2025-01-15T23:59:58.500Z"), 2);
  EXPECT_EQ(secondsUntil("2025-01-16T00:00:00Z", "2025-01-16T00:00:00.000Z"), 1);
  EXPECT_EQ(secondsUntil("2025-02-01T00:00:00Z", "2025-01-31T12:00:00.000Z"), 43200);
}

TEST(CalendarWindow, RejectsMalformedTimestamps) {
  EXPECT_THROW(nextDayStart("yesterday"), std::invalid_argument);
  EXPECT_THROW(nextDayStart("2025-02-30T00:00:00.000Z"), std::invalid_argument);
  EXPECT_THROW(epochSeconds("2025-01-15 10:00:00"), std::invalid_argument);
  EXPECT_THROW(epochSeconds("2025-01-15T25:00:00.000Z"), std::invalid_argument);
}
