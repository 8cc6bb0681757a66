// Unit tests for the UTC cron parser/calculator. Expected times are concrete calendar
// timestamps (checked against a calendar), so any semantic slip shows up as a wrong string.
#include "core/scheduler/cron.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using cc::core::CronExpression;
using cc::core::formatIsoUtc;
using namespace std::chrono;

// "YYYY-MM-DDTHH:MM[:SS[.mmm]]" in UTC, built with <chrono> directly so the tests do not
// depend on the code under test to construct their inputs.
system_clock::time_point utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int fields = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &ms);
  if (fields < 5) throw std::runtime_error("bad test timestamp " + text);
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) throw std::runtime_error("invalid test date " + text);
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

// Results are whole minutes, so they are shown as "YYYY-MM-DDTHH:MM"; a result with stray
// seconds keeps its full form and therefore fails the comparison.
std::string minuteText(system_clock::time_point tp) {
  std::string full = formatIsoUtc(tp);
  const std::string wholeMinute = ":00.000Z";
  if (full.size() > wholeMinute.size() && full.ends_with(wholeMinute)) {
    return full.substr(0, full.size() - wholeMinute.size());
  }
  return full;
}

std::string nextAfter(const std::string& expression, const std::string& after) {
  return minuteText(CronExpression::parse(expression).next(utc(after)));
}

std::string previousOrSameAt(const std::string& expression, const std::string& at) {
  return minuteText(CronExpression::parse(expression).previousOrSame(utc(at)));
}

// Successive next() results, the way a scheduler walks the schedule.
std::vector<std::string> nextTimes(const std::string& expression, const std::string& after, int count) {
  const CronExpression cron = CronExpression::parse(expression);
  std::vector<std::string> times;
  system_clock::time_point t = utc(after);
  for (int i = 0; i < count; ++i) {
    t = cron.next(t);
    times.push_back(minuteText(t));
  }
  return times;
}

std::string parseError(const std::string& expression) {
  try {
    CronExpression::parse(expression);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no error>";
}

using Times = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// formatIsoUtc

TEST(FormatIsoUtc, Epoch) { EXPECT_EQ(formatIsoUtc(system_clock::time_point{}), "1970-01-01T00:00:00.000Z"); }

TEST(FormatIsoUtc, KnownUnixTimestamp) {
  // date -u -d @1736906400 -> Wed Jan 15 02:00:00 UTC 2025
  EXPECT_EQ(formatIsoUtc(system_clock::time_point{seconds{1736906400}}), "2025-01-15T02:00:00.000Z");
}

TEST(FormatIsoUtc, LeapDay) {
  EXPECT_EQ(formatIsoUtc(system_clock::time_point{seconds{1709164800} + hours{13} + minutes{7} + seconds{9}}),
            "2024-02-29T13:07:09.000Z");
}

TEST(FormatIsoUtc, MillisecondsAreKeptAndSubMillisecondsTruncated) {
  auto tp = system_clock::time_point{seconds{1736906400} + milliseconds{123} + microseconds{999}};
  EXPECT_EQ(formatIsoUtc(tp), "2025-01-15T02:00:00.123Z");
  EXPECT_EQ(formatIsoUtc(system_clock::time_point{seconds{59} + milliseconds{999}}), "1970-01-01T00:00:59.999Z");
}

TEST(FormatIsoUtc, BeforeEpochFloorsInsteadOfTruncatingTowardZero) {
  EXPECT_EQ(formatIsoUtc(system_clock::time_point{milliseconds{-1}}), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(formatIsoUtc(system_clock::time_point{nanoseconds{-1}}), "1969-12-31T23:59:59.999Z");
}

TEST(FormatIsoUtc, EndOfYear) {
  EXPECT_EQ(formatIsoUtc(utc("2025-12-31T23:59:59.500")), "2025-12-31T23:59:59.500Z");
}

// ---------------------------------------------------------------------------------------------
// Basic syntax forms

TEST(CronNext, EveryMinuteIsStrictlyAfterAndTruncatesSeconds) {
  EXPECT_EQ(nextAfter("* * * * *", "2025-01-15T02:00"), "2025-01-15T02:01");
  EXPECT_EQ(nextAfter("* * * * *", "2025-01-15T02:00:30"), "2025-01-15T02:01");
  EXPECT_EQ(nextAfter("* * * * *", "2025-01-15T02:00:59.999"), "2025-01-15T02:01");
  EXPECT_EQ(nextAfter("* * * * *", "2025-01-15T02:59:59"), "2025-01-15T03:00");
}

TEST(CronNext, SingleValues) {
  EXPECT_EQ(nextAfter("30 2 * * *", "2025-01-15T01:00"), "2025-01-15T02:30");
  EXPECT_EQ(nextAfter("30 2 * * *", "2025-01-15T02:29:59"), "2025-01-15T02:30");
  // Exactly at the slot: next() is strictly after, so the following day.
  EXPECT_EQ(nextAfter("30 2 * * *", "2025-01-15T02:30"), "2025-01-16T02:30");
  EXPECT_EQ(nextAfter("30 2 * * *", "2025-01-15T02:30:01"), "2025-01-16T02:30");
}

TEST(CronNext, Lists) {
  EXPECT_EQ(nextTimes("0,15,45 * * * *", "2025-01-15T10:16", 4),
            (Times{"2025-01-15T10:45", "2025-01-15T11:00", "2025-01-15T11:15", "2025-01-15T11:45"}));
}

TEST(CronNext, ListOrderAndDuplicatesDoNotMatter) {
  EXPECT_EQ(nextTimes("45,0,15,0 * * * *", "2025-01-15T10:16", 3),
            (Times{"2025-01-15T10:45", "2025-01-15T11:00", "2025-01-15T11:15"}));
}

TEST(CronNext, Ranges) {
  EXPECT_EQ(nextAfter("0 9-17 * * *", "2025-01-15T08:59"), "2025-01-15T09:00");
  EXPECT_EQ(nextAfter("0 9-17 * * *", "2025-01-15T16:00"), "2025-01-15T17:00");
  EXPECT_EQ(nextAfter("0 9-17 * * *", "2025-01-15T17:00"), "2025-01-16T09:00");
}

TEST(CronNext, SingleValueRange) {
  EXPECT_EQ(nextTimes("5-5 * * * *", "2025-01-15T10:05", 2), (Times{"2025-01-15T11:05", "2025-01-15T12:05"}));
}

TEST(CronNext, StarStep) {
  EXPECT_EQ(nextTimes("*/15 * * * *", "2025-01-15T10:46", 5),
            (Times{"2025-01-15T11:00", "2025-01-15T11:15", "2025-01-15T11:30", "2025-01-15T11:45",
                   "2025-01-15T12:00"}));
}

TEST(CronNext, StarStepThatDoesNotDivideTheRangeRestartsAtZeroEachHour) {
  // */25 is 0,25,50 - not "every 25 minutes" across the hour boundary.
  EXPECT_EQ(nextTimes("*/25 * * * *", "2025-01-15T10:00", 4),
            (Times{"2025-01-15T10:25", "2025-01-15T10:50", "2025-01-15T11:00", "2025-01-15T11:25"}));
}

TEST(CronNext, RangeStep) {
  EXPECT_EQ(nextTimes("10-50/20 * * * *", "2025-01-15T10:00", 4),
            (Times{"2025-01-15T10:10", "2025-01-15T10:30", "2025-01-15T10:50", "2025-01-15T11:10"}));
}

TEST(CronNext, StartStepRunsToTheFieldMaximum) {
  EXPECT_EQ(nextTimes("50/5 * * * *", "2025-01-15T10:00", 3),
            (Times{"2025-01-15T10:50", "2025-01-15T10:55", "2025-01-15T11:50"}));
  EXPECT_EQ(nextTimes("0 20/2 * * *", "2025-01-15T00:00", 3),
            (Times{"2025-01-15T20:00", "2025-01-15T22:00", "2025-01-16T20:00"}));
}

TEST(CronNext, HourStep) {
  EXPECT_EQ(nextTimes("0 */6 * * *", "2025-01-15T00:00", 4),
            (Times{"2025-01-15T06:00", "2025-01-15T12:00", "2025-01-15T18:00", "2025-01-16T00:00"}));
}

TEST(CronNext, MixedListOfRangesAndSteps) {
  EXPECT_EQ(nextTimes("0 1-3,20-23/2 * * *", "2025-01-15T00:00", 6),
            (Times{"2025-01-15T01:00", "2025-01-15T02:00", "2025-01-15T03:00", "2025-01-15T20:00",
                   "2025-01-15T22:00", "2025-01-16T01:00"}));
}

TEST(CronNext, StarInsideAListIsAccepted) {
  EXPECT_EQ(nextAfter("*,5 * * * *", "2025-01-15T10:00"), "2025-01-15T10:01");
}

TEST(CronNext, WhitespaceAroundAndBetweenFieldsIsIgnored) {
  EXPECT_EQ(nextAfter("  30\t2   * *  * ", "2025-01-15T01:00"), "2025-01-15T02:30");
}

TEST(CronNext, LastMinuteOfTheDay) {
  EXPECT_EQ(nextTimes("59 23 * * *", "2025-01-15T23:58", 2), (Times{"2025-01-15T23:59", "2025-01-16T23:59"}));
}

// ---------------------------------------------------------------------------------------------
// Month and weekday names

TEST(CronNames, MonthNamesCaseInsensitive) {
  EXPECT_EQ(nextTimes("0 0 1 jan,JUL *", "2025-01-15T00:00", 3),
            (Times{"2025-07-01T00:00", "2026-01-01T00:00", "2026-07-01T00:00"}));
}

TEST(CronNames, MonthNameRange) {
  EXPECT_EQ(nextTimes("0 0 1 Mar-May *", "2025-01-15T00:00", 4),
            (Times{"2025-03-01T00:00", "2025-04-01T00:00", "2025-05-01T00:00", "2026-03-01T00:00"}));
}

TEST(CronNames, AllMonthNames) {
  const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i) {
    const std::string expected = "2025-" + std::string(i < 9 ? "0" : "") + std::to_string(i + 1) + "-02T00:00";
    EXPECT_EQ(nextAfter(std::string("0 0 2 ") + names[i] + " *", "2024-12-31T00:00"), expected) << names[i];
  }
}

TEST(CronNames, WeekdayNameRangeSkipsTheWeekend) {
  // 2025-01-17 is a Friday; the next weekday 09:00 is Monday the 20th.
  EXPECT_EQ(nextTimes("0 9 * * mon-fri", "2025-01-17T10:00", 3),
            (Times{"2025-01-20T09:00", "2025-01-21T09:00", "2025-01-22T09:00"}));
}

TEST(CronNames, AllWeekdayNames) {
  // 2025-01-12 is a Sunday, so "after 2025-01-11T12:00" each weekday lands on 12..18 Jan.
  const char* names[] = {"SUN", "Mon", "tue", "wEd", "thu", "fri", "sat"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(nextAfter(std::string("0 0 * * ") + names[i], "2025-01-11T12:00"),
              "2025-01-" + std::to_string(12 + i) + "T00:00")
        << names[i];
  }
}

TEST(CronNames, SundayIsBothZeroAndSeven) {
  // 2025-01-15 is a Wednesday; the next Sunday is the 19th.
  EXPECT_EQ(nextAfter("0 0 * * 0", "2025-01-15T00:00"), "2025-01-19T00:00");
  EXPECT_EQ(nextAfter("0 0 * * 7", "2025-01-15T00:00"), "2025-01-19T00:00");
  EXPECT_EQ(nextAfter("0 0 * * sun", "2025-01-15T00:00"), "2025-01-19T00:00");
}

TEST(CronNames, WeekdayRangeEndingInSeven) {
  // Fri 17, Sat 18, Sun 19, then Fri 24.
  EXPECT_EQ(nextTimes("0 0 * * 5-7", "2025-01-15T00:00", 4),
            (Times{"2025-01-17T00:00", "2025-01-18T00:00", "2025-01-19T00:00", "2025-01-24T00:00"}));
}

TEST(CronNames, WeekdayStep) {
  // 0,2,4,6 = Sun, Tue, Thu, Sat. From Wed 15th: Thu 16, Sat 18, Sun 19, Tue 21.
  EXPECT_EQ(nextTimes("0 0 * * */2", "2025-01-15T00:00", 4),
            (Times{"2025-01-16T00:00", "2025-01-18T00:00", "2025-01-19T00:00", "2025-01-21T00:00"}));
}

// ---------------------------------------------------------------------------------------------
// Day-of-month / day-of-week combination

TEST(CronDayRule, DayOfMonthOnlyWhenWeekdayIsStar) {
  EXPECT_EQ(nextTimes("0 0 13 * *", "2025-01-01T00:00", 2), (Times{"2025-01-13T00:00", "2025-02-13T00:00"}));
}

TEST(CronDayRule, WeekdayOnlyWhenDayOfMonthIsStar) {
  // Fridays in January 2025: 3, 10, 17.
  EXPECT_EQ(nextTimes("0 0 * * 5", "2025-01-01T00:00", 3),
            (Times{"2025-01-03T00:00", "2025-01-10T00:00", "2025-01-17T00:00"}));
}

TEST(CronDayRule, BothRestrictedMatchesEither) {
  // "The 13th or any Friday": Fri 3, Fri 10, Mon 13, Fri 17, Fri 24, Fri 31, Fri Feb 7.
  EXPECT_EQ(nextTimes("0 0 13 * 5", "2025-01-01T00:00", 7),
            (Times{"2025-01-03T00:00", "2025-01-10T00:00", "2025-01-13T00:00", "2025-01-17T00:00",
                   "2025-01-24T00:00", "2025-01-31T00:00", "2025-02-07T00:00"}));
}

TEST(CronDayRule, OrRuleAppliesOnlyWithinTheMonthField) {
  // 1st of the month or Monday, but only in March 2025: Mar 1 (Sat), 3, 10, 17, 24, 31, then 2026.
  EXPECT_EQ(nextTimes("0 0 1 mar mon", "2025-01-01T00:00", 7),
            (Times{"2025-03-01T00:00", "2025-03-03T00:00", "2025-03-10T00:00", "2025-03-17T00:00",
                   "2025-03-24T00:00", "2025-03-31T00:00", "2026-03-01T00:00"}));
}

TEST(CronDayRule, ImpossibleDayOfMonthIsRescuedByWeekdayUnderTheOrRule) {
  // Feb 30 never exists, but "or Monday" makes this every Monday in February.
  EXPECT_EQ(nextTimes("0 0 30 2 1", "2025-01-01T00:00", 5),
            (Times{"2025-02-03T00:00", "2025-02-10T00:00", "2025-02-17T00:00", "2025-02-24T00:00",
                   "2026-02-02T00:00"}));
}

TEST(CronDayRule, StepStartingWithStarCountsAsUnrestrictedLikeVixieCron) {
  // Vixie cron treats a day field whose text starts with '*' as unrestricted, so "*/10" with a
  // weekday means AND: days 1, 11, 21, 31 that are Mondays. The first in 2025 is March 31.
  EXPECT_EQ(nextAfter("0 0 */10 * 1", "2025-01-01T00:00"), "2025-03-31T00:00");
  // The same days written without '*' are restricted, so the OR rule applies:
  // Mon 6th (weekday), Sat 11th (day 11), Mon 13th (weekday).
  EXPECT_EQ(nextTimes("0 0 1-31/10 * 1", "2025-01-01T00:00", 3),
            (Times{"2025-01-06T00:00", "2025-01-11T00:00", "2025-01-13T00:00"}));
}

TEST(CronDayRule, FullRangeWithoutStarIsStillRestricted) {
  // "1-31" is not '*', so with a weekday the OR rule makes every day match.
  EXPECT_EQ(nextTimes("0 0 1-31 * 1", "2025-01-15T00:00", 2), (Times{"2025-01-16T00:00", "2025-01-17T00:00"}));
}

// ---------------------------------------------------------------------------------------------
// Month ends, leap years, year rollover

TEST(CronCalendar, Day31SkipsShortMonths) {
  EXPECT_EQ(nextTimes("0 0 31 * *", "2025-01-31T00:00", 5),
            (Times{"2025-03-31T00:00", "2025-05-31T00:00", "2025-07-31T00:00", "2025-08-31T00:00",
                   "2025-10-31T00:00"}));
}

TEST(CronCalendar, Day30SkipsFebruary) {
  EXPECT_EQ(nextTimes("0 0 30 * *", "2025-01-30T00:00", 2), (Times{"2025-03-30T00:00", "2025-04-30T00:00"}));
}

TEST(CronCalendar, LastDaysOfFebruaryInLeapAndCommonYears) {
  EXPECT_EQ(nextTimes("0 12 28,29 2 *", "2024-01-01T00:00", 4),
            (Times{"2024-02-28T12:00", "2024-02-29T12:00", "2025-02-28T12:00", "2026-02-28T12:00"}));
}

TEST(CronCalendar, Feb29WaitsForTheNextLeapYear) {
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2025-01-01T00:00"), "2028-02-29T00:00");
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2024-02-29T00:00"), "2028-02-29T00:00");
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2024-02-28T23:59:59"), "2024-02-29T00:00");
}

TEST(CronCalendar, Feb29SkipsCenturyYearsThatAreNotLeap) {
  // 2100 is not a leap year (divisible by 100, not by 400): 2096 -> 2104.
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2096-02-29T00:00"), "2104-02-29T00:00");
  // 2000 was (divisible by 400).
  EXPECT_EQ(nextAfter("0 0 29 2 *", "1997-01-01T00:00"), "2000-02-29T00:00");
}

TEST(CronCalendar, YearRollover) {
  EXPECT_EQ(nextAfter("0 0 1 1 *", "2025-12-31T23:59"), "2026-01-01T00:00");
  EXPECT_EQ(nextAfter("59 23 31 12 *", "2025-12-31T23:59"), "2026-12-31T23:59");
  EXPECT_EQ(nextAfter("* * * * *", "2025-12-31T23:59:59.999"), "2026-01-01T00:00");
  EXPECT_EQ(nextAfter("0 0 * 12 *", "2025-12-31T00:00"), "2026-12-01T00:00");
}

TEST(CronCalendar, MonthRolloverKeepsFirstMatchingTime) {
  EXPECT_EQ(nextAfter("15 6,18 1 * *", "2025-01-31T18:15"), "2025-02-01T06:15");
}

TEST(CronCalendar, SparseScheduleFarAheadIsFoundQuickly) {
  // Walks 8 leap days (32 years) - with a minute-by-minute search this would be ~17M steps each.
  Times times = nextTimes("59 23 29 2 *", "2025-01-01T00:00", 8);
  EXPECT_EQ(times.front(), "2028-02-29T23:59");
  EXPECT_EQ(times.back(), "2056-02-29T23:59");
}

// ---------------------------------------------------------------------------------------------
// Macros

TEST(CronMacros, Yearly) {
  EXPECT_EQ(nextAfter("@yearly", "2025-06-01T00:00"), "2026-01-01T00:00");
  EXPECT_EQ(nextAfter("@annually", "2025-06-01T00:00"), "2026-01-01T00:00");
}

TEST(CronMacros, Monthly) { EXPECT_EQ(nextAfter("@monthly", "2025-01-15T00:00"), "2025-02-01T00:00"); }

TEST(CronMacros, WeeklyIsSundayMidnight) { EXPECT_EQ(nextAfter("@weekly", "2025-01-15T00:00"), "2025-01-19T00:00"); }

TEST(CronMacros, Daily) {
  EXPECT_EQ(nextAfter("@daily", "2025-01-15T00:00"), "2025-01-16T00:00");
  EXPECT_EQ(nextAfter("@midnight", "2025-01-15T23:59"), "2025-01-16T00:00");
}

TEST(CronMacros, Hourly) { EXPECT_EQ(nextAfter("@hourly", "2025-01-15T02:00"), "2025-01-15T03:00"); }

TEST(CronMacros, CaseInsensitiveAndSurroundingWhitespace) {
  EXPECT_EQ(nextAfter("  @DAILY ", "2025-01-15T00:00"), "2025-01-16T00:00");
}

TEST(CronMacros, TextIsKeptAsWritten) {
  EXPECT_EQ(CronExpression::parse("@daily").text(), "@daily");
  EXPECT_EQ(CronExpression::parse("0 2 * * mon-fri").text(), "0 2 * * mon-fri");
}

// ---------------------------------------------------------------------------------------------
// previousOrSame

TEST(CronPrevious, SameMinuteCountsEvenWithSeconds) {
  EXPECT_EQ(previousOrSameAt("0 2 * * *", "2025-01-15T02:00"), "2025-01-15T02:00");
  EXPECT_EQ(previousOrSameAt("0 2 * * *", "2025-01-15T02:00:45.500"), "2025-01-15T02:00");
}

TEST(CronPrevious, EarlierTheSameDayOrThePreviousDay) {
  EXPECT_EQ(previousOrSameAt("0 2 * * *", "2025-01-15T13:00"), "2025-01-15T02:00");
  EXPECT_EQ(previousOrSameAt("0 2 * * *", "2025-01-15T01:59:59"), "2025-01-14T02:00");
}

TEST(CronPrevious, Steps) {
  EXPECT_EQ(previousOrSameAt("*/15 * * * *", "2025-01-15T10:44:59"), "2025-01-15T10:30");
  EXPECT_EQ(previousOrSameAt("*/15 9-17 * * *", "2025-01-15T08:10"), "2025-01-14T17:45");
}

TEST(CronPrevious, EarlierHourUsesItsLastMatchingMinute) {
  EXPECT_EQ(previousOrSameAt("59 * * * *", "2025-01-15T10:30"), "2025-01-15T09:59");
  EXPECT_EQ(previousOrSameAt("10,40 8,12 * * *", "2025-01-15T11:00"), "2025-01-15T08:40");
}

TEST(CronPrevious, AcrossMonthAndYearBoundaries) {
  EXPECT_EQ(previousOrSameAt("0 0 1 1 *", "2025-06-01T00:00"), "2025-01-01T00:00");
  EXPECT_EQ(previousOrSameAt("0 0 1 1 *", "2025-01-01T00:00"), "2025-01-01T00:00");
  EXPECT_EQ(previousOrSameAt("0 0 1 1 *", "2024-12-31T23:59"), "2024-01-01T00:00");
  EXPECT_EQ(previousOrSameAt("59 23 31 12 *", "2025-01-01T00:00"), "2024-12-31T23:59");
  EXPECT_EQ(previousOrSameAt("0 0 31 * *", "2025-03-30T00:00"), "2025-01-31T00:00");
}

TEST(CronPrevious, LeapDay) {
  EXPECT_EQ(previousOrSameAt("0 0 29 2 *", "2025-01-01T00:00"), "2024-02-29T00:00");
  EXPECT_EQ(previousOrSameAt("0 0 29 2 *", "2024-02-29T00:00"), "2024-02-29T00:00");
  EXPECT_EQ(previousOrSameAt("0 0 29 2 *", "2104-02-28T00:00"), "2096-02-29T00:00");
}

TEST(CronPrevious, OrRule) {
  // 13th or Friday, looking back from Thu 2025-01-16: Mon 13th.  From Sun 12th: Fri 10th.
  EXPECT_EQ(previousOrSameAt("0 0 13 * 5", "2025-01-16T00:00"), "2025-01-13T00:00");
  EXPECT_EQ(previousOrSameAt("0 0 13 * 5", "2025-01-12T23:59"), "2025-01-10T00:00");
}

TEST(CronPrevious, WeekdaysAndMacros) {
  // Sunday 2025-01-19: the last weekday 09:00 was Friday the 17th.
  EXPECT_EQ(previousOrSameAt("0 9 * * mon-fri", "2025-01-19T12:00"), "2025-01-17T09:00");
  EXPECT_EQ(previousOrSameAt("@weekly", "2025-01-15T00:00"), "2025-01-12T00:00");
  EXPECT_EQ(previousOrSameAt("@monthly", "2025-03-01T00:00"), "2025-03-01T00:00");
}

TEST(CronPrevious, NextOfPreviousIsTheFollowingSlot) {
  const CronExpression cron = CronExpression::parse("30 */4 * * *");
  auto slot = cron.previousOrSame(utc("2025-01-15T09:10"));
  EXPECT_EQ(minuteText(slot), "2025-01-15T08:30");
  EXPECT_EQ(minuteText(cron.next(slot)), "2025-01-15T12:30");
}

// ---------------------------------------------------------------------------------------------
// matches()

TEST(CronMatches, MatchingAndNonMatchingMinutes) {
  const CronExpression cron = CronExpression::parse("30 2 * * mon-fri");
  EXPECT_TRUE(cron.matches(utc("2025-01-15T02:30")));      // Wednesday
  EXPECT_TRUE(cron.matches(utc("2025-01-15T02:30:59.999")));  // seconds ignored
  EXPECT_FALSE(cron.matches(utc("2025-01-15T02:31")));
  EXPECT_FALSE(cron.matches(utc("2025-01-15T03:30")));
  EXPECT_FALSE(cron.matches(utc("2025-01-18T02:30")));  // Saturday
}

TEST(CronMatches, OrRule) {
  const CronExpression cron = CronExpression::parse("0 0 13 * 5");
  EXPECT_TRUE(cron.matches(utc("2025-01-13T00:00")));   // Monday the 13th
  EXPECT_TRUE(cron.matches(utc("2025-01-17T00:00")));   // Friday the 17th
  EXPECT_FALSE(cron.matches(utc("2025-01-14T00:00")));  // Tuesday the 14th
}

TEST(CronMatches, LeapDay) {
  const CronExpression cron = CronExpression::parse("0 0 29 feb *");
  EXPECT_TRUE(cron.matches(utc("2024-02-29T00:00")));
  EXPECT_FALSE(cron.matches(utc("2025-03-01T00:00")));
}

TEST(CronRange, ResultsBeyondTheClockRangeThrowInsteadOfWrapping) {
  // system_clock is 64-bit nanoseconds: it ends in April 2262 and starts in September 1677.
  const CronExpression cron = CronExpression::parse("0 0 29 2 *");
  EXPECT_THROW(cron.next(system_clock::time_point::max() - hours{24 * 30}), std::overflow_error);
  EXPECT_THROW(cron.previousOrSame(system_clock::time_point::min() + hours{24 * 30}), std::overflow_error);
  EXPECT_EQ(minuteText(cron.next(utc("2259-01-01T00:00"))), "2260-02-29T00:00");
}

// Cross-checks the skipping search against a plain minute-by-minute scan using matches().
TEST(CronConsistency, NextAndPreviousAgreeWithMinuteScan) {
  const char* expressions[] = {"* * * * *",       "*/7 */5 * * *",   "0 0 13 * 5",     "15 3 */2 * 1",
                               "0 12 28-31 * *",  "5/20 22-23 * * 0", "0 0 1 */2 *",    "59 23 * * sat,sun",
                               "0 0 29,30 * mon", "30 1-3/2 1 * *"};
  const char* starts[] = {"2024-02-27T22:17:31", "2024-12-31T23:58", "2025-01-15T00:00"};
  constexpr int kWindowMinutes = 60 * 24 * 70;  // longer than any gap in the list
  for (const char* text : expressions) {
    const CronExpression cron = CronExpression::parse(text);
    for (const char* start : starts) {
      const auto from = floor<minutes>(utc(start));
      auto scanned = from + minutes{1};
      for (int i = 0; i < kWindowMinutes && !cron.matches(scanned); ++i) scanned += minutes{1};
      ASSERT_TRUE(cron.matches(scanned)) << text << " from " << start;
      EXPECT_EQ(minuteText(cron.next(utc(start))), minuteText(scanned)) << text << " from " << start;

      auto back = from;
      for (int i = 0; i < kWindowMinutes && !cron.matches(back); ++i) back -= minutes{1};
      ASSERT_TRUE(cron.matches(back)) << text << " at " << start;
      EXPECT_EQ(minuteText(cron.previousOrSame(utc(start))), minuteText(back)) << text << " at " << start;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(CronErrors, NotANumber) {
  EXPECT_EQ(parseError("x 2 * * *"), "cron 'x 2 * * *': minute field: 'x' is not a number");
  EXPECT_EQ(parseError("0 +2 * * *"), "cron '0 +2 * * *': hour field: '+2' is not a number");
  EXPECT_EQ(parseError("jan * * * *"), "cron 'jan * * * *': minute field: 'jan' is not a number");
}

TEST(CronErrors, UnknownNames) {
  EXPECT_EQ(parseError("0 0 * foo *"), "cron '0 0 * foo *': month field: 'foo' is not a number or month name");
  EXPECT_EQ(parseError("0 0 * * funday"),
            "cron '0 0 * * funday': day-of-week field: 'funday' is not a number or day name");
  EXPECT_EQ(parseError("0 0 * mon *"), "cron '0 0 * mon *': month field: 'mon' is not a number or month name");
  EXPECT_EQ(parseError("0 0 * * jan"), "cron '0 0 * * jan': day-of-week field: 'jan' is not a number or day name");
  EXPECT_EQ(parseError("0 0 * january *"),
            "cron '0 0 * january *': month field: 'january' is not a number or month name");
}

TEST(CronErrors, WrongFieldCount) {
  EXPECT_EQ(parseError("* * * *"),
            "cron '* * * *': expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(parseError("* * * * * *"),
            "cron '* * * * * *': expected 5 fields (minute hour day-of-month month day-of-week), got 6");
  EXPECT_EQ(parseError(""), "cron '': expected 5 fields (minute hour day-of-month month day-of-week), got 0");
  EXPECT_EQ(parseError("   "), "cron '   ': expected 5 fields (minute hour day-of-month month day-of-week), got 0");
}

TEST(CronErrors, OutOfRangeValuesNameTheFieldAndItsRange) {
  EXPECT_EQ(parseError("60 * * * *"), "cron '60 * * * *': minute field: '60' is out of range 0-59");
  EXPECT_EQ(parseError("* 24 * * *"), "cron '* 24 * * *': hour field: '24' is out of range 0-23");
  EXPECT_EQ(parseError("* * 0 * *"), "cron '* * 0 * *': day-of-month field: '0' is out of range 1-31");
  EXPECT_EQ(parseError("* * 32 * *"), "cron '* * 32 * *': day-of-month field: '32' is out of range 1-31");
  EXPECT_EQ(parseError("* * * 0 *"), "cron '* * * 0 *': month field: '0' is out of range 1-12");
  EXPECT_EQ(parseError("* * * 13 *"), "cron '* * * 13 *': month field: '13' is out of range 1-12");
  EXPECT_EQ(parseError("* * * * 8"), "cron '* * * * 8': day-of-week field: '8' is out of range 0-7");
  EXPECT_EQ(parseError("* * * * 1-8"), "cron '* * * * 1-8': day-of-week field: '8' is out of range 0-7");
  EXPECT_EQ(parseError("99999999999 * * * *"),
            "cron '99999999999 * * * *': minute field: '99999999999' is out of range 0-59");
}

TEST(CronErrors, ReversedRanges) {
  EXPECT_EQ(parseError("30-10 * * * *"), "cron '30-10 * * * *': minute field: range '30-10' is reversed");
  EXPECT_EQ(parseError("0 0 * * fri-mon"), "cron '0 0 * * fri-mon': day-of-week field: range 'fri-mon' is reversed");
  EXPECT_EQ(parseError("0 20-4/2 * * *"), "cron '0 20-4/2 * * *': hour field: range '20-4' is reversed");
}

TEST(CronErrors, BadSteps) {
  EXPECT_EQ(parseError("*/0 * * * *"), "cron '*/0 * * * *': minute field: step 0 in '*/0' must be at least 1");
  EXPECT_EQ(parseError("1-5/0 * * * *"), "cron '1-5/0 * * * *': minute field: step 0 in '1-5/0' must be at least 1");
  EXPECT_EQ(parseError("*/x * * * *"), "cron '*/x * * * *': minute field: step 'x' is not a number");
  EXPECT_EQ(parseError("*/ * * * *"), "cron '*/ * * * *': minute field: missing step in '*/'");
  EXPECT_EQ(parseError("*/61 * * * *"), "cron '*/61 * * * *': minute field: step '61' is out of range 1-60");
  EXPECT_EQ(parseError("0 0 */32 * *"), "cron '0 0 */32 * *': day-of-month field: step '32' is out of range 1-31");
}

TEST(CronErrors, EmptyListItems) {
  EXPECT_EQ(parseError("1,,2 * * * *"), "cron '1,,2 * * * *': minute field: empty item in list '1,,2'");
  EXPECT_EQ(parseError("1, * * * *"), "cron '1, * * * *': minute field: empty item in list '1,'");
  EXPECT_EQ(parseError("0 ,3 * * *"), "cron '0 ,3 * * *': hour field: empty item in list ',3'");
}

TEST(CronErrors, MissingRangeEnds) {
  EXPECT_EQ(parseError("1- * * * *"), "cron '1- * * * *': minute field: missing value in '1-'");
  EXPECT_EQ(parseError("-1 * * * *"), "cron '-1 * * * *': minute field: missing value in '-1'");
  EXPECT_EQ(parseError("/5 * * * *"), "cron '/5 * * * *': minute field: missing value in '/5'");
}

TEST(CronErrors, TrailingJunk) {
  EXPECT_EQ(parseError("5x * * * *"), "cron '5x * * * *': minute field: '5x' is not a number");
  EXPECT_EQ(parseError("1-2-3 * * * *"), "cron '1-2-3 * * * *': minute field: unexpected '-3' in '1-2-3'");
  EXPECT_EQ(parseError("*/5/2 * * * *"), "cron '*/5/2 * * * *': minute field: unexpected '/2' in '*/5/2'");
  EXPECT_EQ(parseError("*5 * * * *"), "cron '*5 * * * *': minute field: unexpected '5' in '*5'");
  EXPECT_EQ(parseError("*/5-10 * * * *"), "cron '*/5-10 * * * *': minute field: unexpected '-10' in '*/5-10'");
  EXPECT_EQ(parseError("0 0 * * mon;"), "cron '0 0 * * mon;': day-of-week field: 'mon;' is not a number or day name");
}

TEST(CronErrors, Macros) {
  EXPECT_EQ(parseError("@often"),
            "cron '@often': unknown macro '@often' "
            "(expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)");
  EXPECT_EQ(parseError("@reboot"), "cron '@reboot': '@reboot' is not supported: it has no time to schedule");
  EXPECT_EQ(parseError("@daily 5"), "cron '@daily 5': unexpected '5' after '@daily'");
}

TEST(CronErrors, NeverMatchingExpressionsAreRejectedAtParseTime) {
  EXPECT_EQ(parseError("0 0 30 2 *"),
            "cron '0 0 30 2 *': never matches: no date satisfies day-of-month '30' in month '2'");
  EXPECT_EQ(parseError("0 0 31 4,6,9,11 *"),
            "cron '0 0 31 4,6,9,11 *': never matches: no date satisfies day-of-month '31' in month '4,6,9,11'");
  EXPECT_EQ(parseError("0 0 30-31 feb *"),
            "cron '0 0 30-31 feb *': never matches: no date satisfies day-of-month '30-31' in month 'feb'");
}

TEST(CronErrors, RareButPossibleDatesAreAccepted) {
  EXPECT_EQ(parseError("0 0 29 2 *"), "<no error>");
  EXPECT_EQ(parseError("0 0 31 2,3 *"), "<no error>");
  EXPECT_EQ(parseError("0 0 30 2 1"), "<no error>");  // OR rule: any Monday in February
}

TEST(CronErrors, ExceptionTypeIsInvalidArgument) {
  EXPECT_THROW(CronExpression::parse("61 * * * *"), std::invalid_argument);
  EXPECT_THROW(CronExpression::parse("0 0 30 2 *"), std::invalid_argument);
}

}  // namespace
