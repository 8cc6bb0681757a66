#include "core/auth/attempt_throttle.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace cc::core {
namespace {

// Expired rows are deleted at most this often per host (each host prunes; deleting a row that
// already counts as empty is harmless, whoever does it).
constexpr std::int64_t kPruneEverySeconds = 600;

// SQL for "text timestamp `expr` plus `seconds`", in the stored ISO-8601 UTC format. The
// seconds are configuration integers, never request data, so they are part of the text (and
// the statement is still prepared once).
std::string plusSeconds(const Database& db, const std::string& expr, int seconds) {
  const std::string s = std::to_string(seconds);
  if (db.engine() == Engine::SQLite) return "strftime('%Y-%m-%dT%H:%M:%fZ', " + expr + ", '+" + s + " seconds')";
  // A "Z" suffix is ignored when text is cast to timestamp (without time zone): the value is UTC.
  return "to_char(CAST(" + expr + " AS timestamp) + interval '" + s +
         " seconds', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

// One reading of the database clock per statement.
std::string clock(const Database& db) { return "(SELECT " + db.nowSql() + " AS now) c"; }

std::string reserveSql(const Database& db, const ThrottleRule& rule) {
  const std::string limit = std::to_string(rule.limit);
  // A fresh window: counted from the database's "now".
  const std::string freshWindowEnd = plusSeconds(db, "c.now", rule.windowSeconds);
  const std::string freshLock =
      rule.limit > 1 ? "NULL" : rule.lockSeconds > 0 ? plusSeconds(db, "c.now", rule.lockSeconds) : freshWindowEnd;
  // The stored row, as the database has it under the lock; excluded.* is the fresh row.
  const std::string stale = "auth_throttle.\"expiresAt\" <= excluded.\"updatedAt\"";
  const std::string attempts = "CASE WHEN " + stale + " THEN 1 ELSE auth_throttle.attempts + 1 END";
  const std::string windowEnd =
      "CASE WHEN " + stale + " THEN excluded.\"windowEnd\" ELSE auth_throttle.\"windowEnd\" END";
  const std::string lockEnd =
      rule.lockSeconds > 0 ? plusSeconds(db, "excluded.\"updatedAt\"", rule.lockSeconds) : windowEnd;
  const std::string lockedUntil = "CASE WHEN " + attempts + " >= " + limit + " THEN " + lockEnd + " ELSE NULL END";
  return "INSERT INTO auth_throttle (scope, subject, attempts, \"windowEnd\", \"lockedUntil\", \"expiresAt\", "
         "\"updatedAt\") "
         "SELECT ?, ?, 1, " + freshWindowEnd + ", " + freshLock + ", COALESCE(" + freshLock + ", " + freshWindowEnd +
         "), c.now FROM " + clock(db) +
         " WHERE true "  // SQLite needs a WHERE here to parse ON CONFLICT as an upsert
         "ON CONFLICT (scope, subject) DO UPDATE SET "
         "attempts = " + attempts + ", "
         "\"windowEnd\" = " + windowEnd + ", "
         "\"lockedUntil\" = " + lockedUntil + ", "
         "\"expiresAt\" = COALESCE(" + lockedUntil + ", " + windowEnd + "), "
         "\"updatedAt\" = excluded.\"updatedAt\" "
         // Refused (no row returned): the subject is locked, or its window is full.
         "WHERE " + stale + " OR (auth_throttle.\"lockedUntil\" IS NULL AND auth_throttle.attempts < " + limit + ") "
         "RETURNING attempts, \"windowEnd\"";
}

std::string retrySql(const Database& db) {
  return "SELECT t.\"expiresAt\", c.now FROM " + clock(db) +
         " LEFT JOIN auth_throttle t ON t.scope = ? AND t.subject = ?";
}

// Only inside the same, still live window: a refund must never revive a row that has already
// expired, nor touch a newer window.
std::string refundSql(const Database& db) {
  return "UPDATE auth_throttle SET attempts = attempts - 1, \"lockedUntil\" = NULL, \"expiresAt\" = \"windowEnd\" "
         "WHERE scope = ? AND subject = ? AND \"windowEnd\" = ? AND attempts > 0 AND \"expiresAt\" > " +
         db.nowSql();
}

std::string pruneSql(const Database& db) {
  return "DELETE FROM auth_throttle WHERE scope = ? AND \"expiresAt\" <= " + db.nowSql();
}

std::int64_t steadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<double> secondsBetween(const std::string& from, const std::string& to) {
  auto parse = [](const std::string& text) -> std::optional<double> {
    std::tm tm{};
    int millis = 0;
    char z = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &millis, &z) != 8 ||
        z != 'Z')
      return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<double>(timegm(&tm)) + millis / 1000.0;
  };
  auto a = parse(from), b = parse(to);
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

AttemptThrottle::AttemptThrottle(Database& db, std::string scope, ThrottleRule rule, Poco::Logger& log)
    : db_(db),
      scope_(std::move(scope)),
      rule_(rule),
      log_(log),
      reserveSql_(reserveSql(db, rule)),
      retrySql_(retrySql(db)),
      refundSql_(refundSql(db)),
      pruneSql_(pruneSql(db)) {
  if (rule_.limit < 1 || rule_.windowSeconds < 1 || rule_.lockSeconds < 0)
    throw std::invalid_argument("throttle " + scope_ + ": limit and window must be at least 1");
}

std::optional<AttemptThrottle::Reservation> AttemptThrottle::reserve(const std::string& subject) {
  pruneIfDue();
  auto rows = db_.queryPrepared(reserveSql_, {scope_, subject});
  if (rows.empty()) return std::nullopt;
  if (rows[0].size() != 2 || !rows[0][1]) throw std::runtime_error("auth_throttle: the upsert returned an unexpected row");
  return Reservation{subject, *rows[0][1]};
}

std::int64_t AttemptThrottle::retryAfterSeconds(const std::string& subject) {
  auto rows = db_.queryPrepared(retrySql_, {scope_, subject});
  if (rows.size() != 1 || rows[0].size() != 2 || !rows[0][0] || !rows[0][1]) return 1;  // expired meanwhile
  auto seconds = secondsBetween(*rows[0][1], *rows[0][0]);
  // Rounded up: retrying at the rounded-down second would be refused again.
  if (!seconds || *seconds <= 0) return 1;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(*seconds)));
}

void AttemptThrottle::refund(const Reservation& reservation) {
  db_.queryPrepared(refundSql_, {scope_, reservation.subject, reservation.windowEnd});
}

void AttemptThrottle::pruneIfDue() {
  const std::int64_t now = steadySeconds();
  std::int64_t due = nextPrune_.load();
  if (now < due || !nextPrune_.compare_exchange_strong(due, now + kPruneEverySeconds)) return;
  try {
    db_.queryPrepared(pruneSql_, {scope_});
  } catch (const std::exception& e) {
    // Only housekeeping: expired rows already count as empty. Tried again next time.
    log_.warning("auth_throttle: pruning expired %s rows failed: %s", scope_, std::string(e.what()));
  }
}

}  // namespace cc::core
