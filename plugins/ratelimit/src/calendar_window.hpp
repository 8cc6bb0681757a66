#pragma once
// UTC calendar windows. The window starts come from the database clock (as ISO-8601 text,
// "2025-01-15T00:00:00.000Z"); this file only does the calendar arithmetic on them.
#include <cstdint>
#include <string>

namespace cc::ratelimit {

/// "2025-01-15T00:00:00.000Z" -> "2025-01-16T00:00:00Z" (the guide's X-RateLimit-Reset form).
std::string nextDayStart(const std::string& dayStart);
/// "2025-01-01T00:00:00.000Z" -> "2025-02-01T00:00:00Z"; December rolls into January.
std::string nextMonthStart(const std::string& monthStart);
/// Whole seconds from `now` until `later` (both ISO-8601 UTC), rounded up, at least 1.
std::int64_t secondsUntil(const std::string& later, const std::string& now);
/// Seconds since the Unix epoch of an ISO-8601 UTC timestamp, with fractional milliseconds.
/// Throws std::invalid_argument for anything else.
double epochSeconds(const std::string& iso);

}  // namespace cc::ratelimit
