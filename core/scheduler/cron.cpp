#include "core/scheduler/cron.hpp"

#include <codecouncil/sdk/http.hpp>

#include <array>
#include <bit>
#include <charconv>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace cc::core {

using namespace std::chrono;

namespace {

constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// The Gregorian calendar (dates and weekdays together) repeats every 400 years = 146097 days,
// which is a whole number of weeks. If no day matches within one cycle, none ever will, so this
// bounds every day search and doubles as the parse-time "never matches" check.
constexpr days kGregorianCycle{146097};

struct FieldSpec {
  std::string_view name;  // as it appears in error messages
  int min;
  int max;
  const std::string_view* names = nullptr;  // optional symbolic names, value = firstNameValue + index
  int nameCount = 0;
  int firstNameValue = 0;
  std::string_view nameKind = {};  // "month" / "day", for "is not a number or month name"
};

constexpr FieldSpec kMinuteSpec{"minute", 0, 59};
constexpr FieldSpec kHourSpec{"hour", 0, 23};
constexpr FieldSpec kDayOfMonthSpec{"day-of-month", 1, 31};
constexpr FieldSpec kMonthSpec{"month", 1, 12, kMonthNames.data(), 12, 1, "month"};
// 7 is accepted as a second spelling of Sunday; it is folded into bit 0 after parsing.
constexpr FieldSpec kDayOfWeekSpec{"day-of-week", 0, 7, kDayNames.data(), 7, 0, "day"};

struct Macro {
  std::string_view name;
  std::string_view expansion;
};

constexpr std::array<Macro, 7> kMacros{{{"@yearly", "0 0 1 1 *"},
                                        {"@annually", "0 0 1 1 *"},
                                        {"@monthly", "0 0 1 * *"},
                                        {"@weekly", "0 0 * * 0"},
                                        {"@daily", "0 0 * * *"},
                                        {"@midnight", "0 0 * * *"},
                                        {"@hourly", "0 * * * *"}}};

// Thrown inside the parser with just the detail; parse() adds the "cron '...': " prefix so
// every helper does not need to carry the whole expression around.
struct SyntaxError {
  std::string detail;
};

[[noreturn]] void fieldError(const FieldSpec& spec, const std::string& detail) {
  throw SyntaxError{std::string(spec.name) + " field: " + detail};
}

std::string singleQuoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string range(int low, int high) { return std::to_string(low) + "-" + std::to_string(high); }

bool isAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::vector<std::string_view> splitWhitespace(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

// Parses a token already known to be all digits. Values too large for int saturate so the
// caller reports them as out of range, which is what the user got wrong.
int parseNumber(std::string_view token) {
  int value = 0;
  auto result = std::from_chars(token.data(), token.data() + token.size(), value);
  return result.ec == std::errc::result_out_of_range ? std::numeric_limits<int>::max() : value;
}

// A single value: a number or (for month/day-of-week) a case-insensitive three-letter name.
int parseValue(std::string_view token, std::string_view item, const FieldSpec& spec) {
  if (token.empty()) fieldError(spec, "missing value in " + singleQuoted(item));
  if (!isAllDigits(token)) {
    for (int i = 0; i < spec.nameCount; ++i) {
      if (sameIgnoringAsciiCase(token, spec.names[i])) return spec.firstNameValue + i;
    }
    std::string expected = spec.nameCount > 0 ? " is not a number or " + std::string(spec.nameKind) + " name"
                                              : " is not a number";
    fieldError(spec, singleQuoted(token) + expected);
  }
  int value = parseNumber(token);
  if (value < spec.min || value > spec.max) {
    fieldError(spec, singleQuoted(token) + " is out of range " + range(spec.min, spec.max));
  }
  return value;
}

int parseStep(std::string_view token, std::string_view item, const FieldSpec& spec) {
  if (token.empty()) fieldError(spec, "missing step in " + singleQuoted(item));
  if (!isAllDigits(token)) fieldError(spec, "step " + singleQuoted(token) + " is not a number");
  // A step wider than the field would select only the start value; larger ones are surely typos.
  const int widest = spec.max - spec.min + 1;
  int step = parseNumber(token);
  if (step < 1) fieldError(spec, "step 0 in " + singleQuoted(item) + " must be at least 1");
  if (step > widest) fieldError(spec, "step " + singleQuoted(token) + " is out of range " + range(1, widest));
  return step;
}

// Splits off the next token of a list item; tokens end at '-' or '/' so anything left over
// after the grammar is satisfied shows up as trailing junk rather than being swallowed.
std::string_view takeToken(std::string_view item, std::size_t& pos) {
  std::size_t end = item.find_first_of("-/", pos);
  if (end == std::string_view::npos) end = item.size();
  std::string_view token = item.substr(pos, end - pos);
  pos = end;
  return token;
}

// One non-empty list item: "*", "*/n", "a", "a-b", "a-b/n" or "a/n" (a through the field maximum).
std::uint64_t parseItem(std::string_view item, const FieldSpec& spec) {
  std::size_t pos = 0;
  int low = spec.min;
  int high = spec.max;
  bool single = false;
  if (item[0] == '*') {
    pos = 1;
  } else {
    low = parseValue(takeToken(item, pos), item, spec);
    high = low;
    single = true;
    if (pos < item.size() && item[pos] == '-') {
      ++pos;
      high = parseValue(takeToken(item, pos), item, spec);
      single = false;
      if (high < low) fieldError(spec, "range " + singleQuoted(item.substr(0, pos)) + " is reversed");
    }
  }
  int step = 1;
  if (pos < item.size() && item[pos] == '/') {
    ++pos;
    step = parseStep(takeToken(item, pos), item, spec);
    if (single) high = spec.max;  // "a/n" means a, a+n, ... up to the maximum
  }
  if (pos < item.size()) {
    fieldError(spec, "unexpected " + singleQuoted(item.substr(pos)) + " in " + singleQuoted(item));
  }
  std::uint64_t mask = 0;
  for (int value = low; value <= high; value += step) mask |= std::uint64_t{1} << value;
  return mask;
}

std::uint64_t parseField(std::string_view field, const FieldSpec& spec) {
  std::uint64_t mask = 0;
  for (std::string_view item : split(field, ',')) {
    if (item.empty()) fieldError(spec, "empty item in list " + singleQuoted(field));
    mask |= parseItem(item, spec);
  }
  return mask;
}

std::string_view expandMacro(const std::vector<std::string_view>& words) {
  if (sameIgnoringAsciiCase(words[0], "@reboot")) {
    throw SyntaxError{"'@reboot' is not supported: it has no time to schedule"};
  }
  for (const Macro& macro : kMacros) {
    if (!sameIgnoringAsciiCase(words[0], macro.name)) continue;
    if (words.size() > 1) {
      throw SyntaxError{"unexpected " + singleQuoted(words[1]) + " after " + singleQuoted(words[0])};
    }
    return macro.expansion;
  }
  throw SyntaxError{"unknown macro " + singleQuoted(words[0]) +
                    " (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"};
}

bool hasBit(std::uint64_t mask, unsigned bit) { return bit < 64 && ((mask >> bit) & 1U) != 0; }

// Lowest set bit >= from, or -1.
int firstBitAtOrAfter(std::uint64_t mask, int from) {
  if (from >= 64) return -1;
  std::uint64_t rest = mask & (~std::uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

// Highest set bit <= upTo, or -1.
int lastBitAtOrBefore(std::uint64_t mask, int upTo) {
  if (upTo < 0) return -1;
  std::uint64_t rest = upTo >= 63 ? mask : mask & ((std::uint64_t{2} << upTo) - 1);
  return rest == 0 ? -1 : 63 - std::countl_zero(rest);
}

struct SplitMinute {
  sys_days day;
  int hour;
  int minute;
};

SplitMinute splitMinute(sys_time<minutes> t) {
  sys_days day = floor<days>(t);
  minutes sinceMidnight = t - day;
  return {day, static_cast<int>(sinceMidnight / hours{1}), static_cast<int>((sinceMidnight % hours{1}).count())};
}

sys_days firstOfNextMonth(const year_month_day& ymd) {
  return sys_days{year_month_day{ymd.year() / ymd.month() / 1} + months{1}};
}

sys_days lastOfPreviousMonth(const year_month_day& ymd) {
  return sys_days{ymd.year() / ymd.month() / 1} - days{1};
}

// system_clock counts nanoseconds in 64 bits (about 1678-2262); a result outside that range
// cannot be returned, and silently wrapping would schedule garbage.
system_clock::time_point toTimePoint(sys_time<minutes> t) {
  constexpr auto kMax = floor<minutes>(system_clock::time_point::max());
  constexpr auto kMin = ceil<minutes>(system_clock::time_point::min());
  if (t > kMax || t < kMin) throw std::overflow_error("cron: next/previous time is outside the clock's range");
  return time_point_cast<system_clock::duration>(t);
}

}  // namespace

CronExpression CronExpression::parse(const std::string& expression) {
  CronExpression cron;
  cron.text_ = expression;
  try {
    std::vector<std::string_view> words = splitWhitespace(expression);
    if (!words.empty() && words[0].starts_with('@')) words = splitWhitespace(expandMacro(words));
    if (words.size() != 5) {
      throw SyntaxError{"expected 5 fields (minute hour day-of-month month day-of-week), got " +
                        std::to_string(words.size())};
    }
    cron.minutes_ = parseField(words[0], kMinuteSpec);
    cron.hours_ = parseField(words[1], kHourSpec);
    cron.daysOfMonth_ = parseField(words[2], kDayOfMonthSpec);
    cron.months_ = parseField(words[3], kMonthSpec);
    std::uint64_t daysOfWeek = parseField(words[4], kDayOfWeekSpec);
    cron.daysOfWeek_ = (daysOfWeek | (daysOfWeek >> 7)) & 0x7F;  // 7 is another Sunday
    cron.dayOfMonthStar_ = words[2].starts_with('*');
    cron.dayOfWeekStar_ = words[4].starts_with('*');
    // Only day-of-month vs month can conflict (e.g. Feb 30); any date pattern recurs within one
    // Gregorian cycle, so searching one cycle from any start is an exact test.
    if (!cron.firstDayAtOrAfter(sys_days{year{2000} / January / 1})) {
      throw SyntaxError{"never matches: no date satisfies day-of-month " + singleQuoted(words[2]) + " in month " +
                        singleQuoted(words[3])};
    }
  } catch (const SyntaxError& error) {
    throw std::invalid_argument("cron " + singleQuoted(expression) + ": " + error.detail);
  }
  return cron;
}

bool CronExpression::dayMatches(unsigned dayOfMonth, weekday dayOfWeek) const {
  bool dayOfMonthOk = hasBit(daysOfMonth_, dayOfMonth);
  bool dayOfWeekOk = hasBit(daysOfWeek_, dayOfWeek.c_encoding());
  // Classic cron: when both day fields are restricted, either one suffices ("the 13th, or any
  // Friday"). If either starts with '*', it adds no restriction and both must hold.
  if (dayOfMonthStar_ || dayOfWeekStar_) return dayOfMonthOk && dayOfWeekOk;
  return dayOfMonthOk || dayOfWeekOk;
}

bool CronExpression::dateMatches(sys_days day) const {
  year_month_day ymd{day};
  return hasBit(months_, static_cast<unsigned>(ymd.month())) &&
         dayMatches(static_cast<unsigned>(ymd.day()), weekday{day});
}

std::optional<minutes> CronExpression::firstTimeAtOrAfter(int hour, int minute) const {
  for (int h = firstBitAtOrAfter(hours_, hour); h >= 0; h = firstBitAtOrAfter(hours_, h + 1)) {
    int m = firstBitAtOrAfter(minutes_, h == hour ? minute : 0);
    if (m >= 0) return hours{h} + minutes{m};
  }
  return std::nullopt;
}

std::optional<minutes> CronExpression::lastTimeAtOrBefore(int hour, int minute) const {
  for (int h = lastBitAtOrBefore(hours_, hour); h >= 0; h = lastBitAtOrBefore(hours_, h - 1)) {
    int m = lastBitAtOrBefore(minutes_, h == hour ? minute : 59);
    if (m >= 0) return hours{h} + minutes{m};
  }
  return std::nullopt;
}

// Whole non-matching months are skipped in one step; inside a matching month the days are
// walked with an incrementing weekday, so a search costs at most ~31 checks per matching month.
std::optional<sys_days> CronExpression::firstDayAtOrAfter(sys_days from) const {
  const sys_days limit = from + kGregorianCycle;
  sys_days monthCursor = from;
  while (monthCursor < limit) {
    year_month_day ymd{monthCursor};
    if (hasBit(months_, static_cast<unsigned>(ymd.month()))) {
      const unsigned first = static_cast<unsigned>(ymd.day());
      const unsigned last = static_cast<unsigned>((ymd.year() / ymd.month() / std::chrono::last).day());
      weekday wd{monthCursor};
      for (unsigned d = first; d <= last; ++d, ++wd) {
        if (dayMatches(d, wd)) return monthCursor + days{d - first};
      }
    }
    monthCursor = firstOfNextMonth(ymd);
  }
  return std::nullopt;
}

std::optional<sys_days> CronExpression::lastDayAtOrBefore(sys_days from) const {
  const sys_days limit = from - kGregorianCycle;
  sys_days monthCursor = from;
  while (monthCursor > limit) {
    year_month_day ymd{monthCursor};
    if (hasBit(months_, static_cast<unsigned>(ymd.month()))) {
      const unsigned first = static_cast<unsigned>(ymd.day());
      weekday wd{monthCursor};
      for (unsigned d = first; d >= 1; --d, --wd) {
        if (dayMatches(d, wd)) return monthCursor - days{first - d};
      }
    }
    monthCursor = lastOfPreviousMonth(ymd);
  }
  return std::nullopt;
}

system_clock::time_point CronExpression::next(system_clock::time_point after) const {
  const SplitMinute start = splitMinute(floor<minutes>(after) + minutes{1});
  if (dateMatches(start.day)) {
    if (auto time = firstTimeAtOrAfter(start.hour, start.minute)) return toTimePoint(start.day + *time);
  }
  // parse() proved some day matches within any Gregorian cycle, and hour/minute sets are never
  // empty, so both optionals are engaged.
  const sys_days day = *firstDayAtOrAfter(start.day + days{1});
  return toTimePoint(day + *firstTimeAtOrAfter(0, 0));
}

system_clock::time_point CronExpression::previousOrSame(system_clock::time_point at) const {
  const SplitMinute end = splitMinute(floor<minutes>(at));
  if (dateMatches(end.day)) {
    if (auto time = lastTimeAtOrBefore(end.hour, end.minute)) return toTimePoint(end.day + *time);
  }
  const sys_days day = *lastDayAtOrBefore(end.day - days{1});
  return toTimePoint(day + *lastTimeAtOrBefore(23, 59));
}

bool CronExpression::matches(system_clock::time_point minute) const {
  const SplitMinute t = splitMinute(floor<minutes>(minute));
  return hasBit(minutes_, static_cast<unsigned>(t.minute)) && hasBit(hours_, static_cast<unsigned>(t.hour)) &&
         dateMatches(t.day);
}

std::string formatIsoUtc(system_clock::time_point tp) {
  const auto ms = floor<milliseconds>(tp);
  const sys_days day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> time{ms - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
  return buffer;
}

}  // namespace cc::core
