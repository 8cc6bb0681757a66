#pragma once
// A 5-field cron expression ("minute hour day-of-month month day-of-week") evaluated in UTC
// with Vixie cron semantics. The scheduler uses next() to arm timers and previousOrSame() to
// find the slot a run belongs to. Everything is computed on the proleptic Gregorian calendar in
// UTC; local time and DST never enter into it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace cc::core {

class CronExpression {
 public:
  /// "m h dom mon dow" (UTC), or one of @yearly/@annually, @monthly, @weekly, @daily/@midnight,
  /// @hourly. Throws std::invalid_argument with a message naming the field and the bad token,
  /// e.g. "cron 'x 2 * * *': minute field: 'x' is not a number". Expressions that can never
  /// match (e.g. "0 0 30 2 *") are rejected here with a message ending in "never matches...".
  static CronExpression parse(const std::string& expression);

  /// The first matching minute strictly after `after` (seconds truncated). Like previousOrSame(),
  /// throws std::overflow_error if the answer lies outside system_clock's range (1677-2262).
  std::chrono::system_clock::time_point next(std::chrono::system_clock::time_point after) const;

  /// The most recent matching minute at or before `at` (seconds truncated); used to find the
  /// current slot.
  std::chrono::system_clock::time_point previousOrSame(std::chrono::system_clock::time_point at) const;

  /// Whether the minute containing `minute` matches (seconds are ignored).
  bool matches(std::chrono::system_clock::time_point minute) const;

  /// The expression exactly as given to parse() (macros are not expanded).
  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;

  bool dateMatches(std::chrono::sys_days day) const;
  bool dayMatches(unsigned dayOfMonth, std::chrono::weekday dayOfWeek) const;
  std::optional<std::chrono::minutes> firstTimeAtOrAfter(int hour, int minute) const;
  std::optional<std::chrono::minutes> lastTimeAtOrBefore(int hour, int minute) const;
  std::optional<std::chrono::sys_days> firstDayAtOrAfter(std::chrono::sys_days from) const;
  std::optional<std::chrono::sys_days> lastDayAtOrBefore(std::chrono::sys_days from) const;

  std::string text_;
  // Bit i set means value i is allowed. Day-of-week uses 0 = Sunday (a 7 in the text folds to 0).
  std::uint64_t minutes_ = 0;
  std::uint64_t hours_ = 0;
  std::uint64_t daysOfMonth_ = 0;
  std::uint64_t months_ = 0;
  std::uint64_t daysOfWeek_ = 0;
  // Vixie cron: a day field whose text starts with '*' counts as unrestricted for the OR rule.
  bool dayOfMonthStar_ = false;
  bool dayOfWeekStar_ = false;
};

/// Formats a time point as ISO-8601 UTC with milliseconds: "2025-01-15T02:00:00.000Z".
/// Sub-millisecond digits are dropped by flooring, so times before 1970 stay correct.
std::string formatIsoUtc(std::chrono::system_clock::time_point tp);

}  // namespace cc::core
