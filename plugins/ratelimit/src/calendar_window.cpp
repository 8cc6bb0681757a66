#include "calendar_window.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace cc::ratelimit {

namespace {

using namespace std::chrono;

year_month_day parseDate(const std::string& iso) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (iso.size() < 10 || std::sscanf(iso.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3)
    throw std::invalid_argument("not an ISO-8601 date: '" + iso + "'");
  year_month_day date{year{y}, month{m}, day{d}};
  if (!date.ok()) throw std::invalid_argument("not a calendar date: '" + iso + "'");
  return date;
}

std::string formatMidnight(year_month_day date) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT00:00:00Z", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

}  // namespace

std::string nextDayStart(const std::string& dayStart) {
  return formatMidnight(year_month_day{sys_days{parseDate(dayStart)} + days{1}});
}

std::string nextMonthStart(const std::string& monthStart) {
  year_month_day date = parseDate(monthStart);
  year_month next = year_month{date.year(), date.month()} + months{1};
  return formatMidnight(next / day{1});
}

double epochSeconds(const std::string& iso) {
  year_month_day date = parseDate(iso);
  unsigned hh = 0, mm = 0;
  double ss = 0;
  if (iso.size() < 20 || iso[10] != 'T' || iso.back() != 'Z' ||
      std::sscanf(iso.c_str() + 11, "%2u:%2u:%lf", &hh, &mm, &ss) != 3 || hh > 23 || mm > 59 || ss < 0 || ss >= 61)
    throw std::invalid_argument("not an ISO-8601 UTC timestamp: '" + iso + "'");
  auto midnight = sys_days{date}.time_since_epoch();
  return static_cast<double>(duration_cast<seconds>(midnight).count()) + hh * 3600.0 + mm * 60.0 + ss;
}

std::int64_t secondsUntil(const std::string& later, const std::string& now) {
  double diff = epochSeconds(later) - epochSeconds(now);
  // Retry-After must be a positive whole number; rounding down would invite a retry that the
  // window still refuses.
  auto whole = static_cast<std::int64_t>(std::ceil(diff));
  return whole < 1 ? 1 : whole;
}

}  // namespace cc::ratelimit
