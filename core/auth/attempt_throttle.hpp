#pragma once
// A database-backed attempt counter for one purpose ("scope"): login failures per account,
// login failures per client address, signups per client address. Every host sharing the
// database shares the counters, exactly: an attempt is counted by ONE conditional upsert,
// decided against the row as the database holds it under its row lock (PostgreSQL) or write
// lock (SQLite), never read-then-write.
//
// Rows live in auth_throttle (migrations/core/*/0004_auth_throttle.sql):
//   attempts       counted attempts in the current window
//   "windowEnd"    when the current window ends
//   "lockedUntil"  set by the attempt that reaches the limit; NULL below it
//   "expiresAt"    COALESCE("lockedUntil", "windowEnd"): from then on the row counts as empty
// All times are the database clock's ISO-8601 UTC text, so hosts with skewed clocks agree.
//
// An attempt is reserved BEFORE the expensive work (the password hash), so a refused request
// costs one statement, and concurrent requests can never overshoot the limit. A reservation
// that turns out not to count (a correct password, a 503) is refunded.
#include "core/config/host_config.hpp"

#include <codecouncil/sdk/database.hpp>

#include <Poco/Logger.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace cc::core {

class AttemptThrottle {
 public:
  /// A counted attempt; `windowEnd` identifies the window it was counted in, so a refund
  /// after the window has rolled over changes nothing.
  struct Reservation {
    std::string subject;
    std::string windowEnd;
  };

  /// `scope` names the counter in the table ("login_account", ...); `rule.limit` >= 1.
  AttemptThrottle(Database& db, std::string scope, ThrottleRule rule, Poco::Logger& log);

  /// Counts one attempt for `subject`, or nullopt when the subject is locked or its window is
  /// full (nothing is counted then). Throws on database errors.
  std::optional<Reservation> reserve(const std::string& subject);
  /// Whole seconds (>= 1, rounded up) until `subject` may try again.
  std::int64_t retryAfterSeconds(const std::string& subject);
  /// Takes a reservation back (and lifts the lock it may have set). Throws on database errors.
  void refund(const Reservation& reservation);

  const std::string& scope() const { return scope_; }
  const ThrottleRule& rule() const { return rule_; }

 private:
  void pruneIfDue();

  Database& db_;
  std::string scope_;
  ThrottleRule rule_;
  Poco::Logger& log_;
  std::string reserveSql_, retrySql_, refundSql_, pruneSql_;
  std::atomic<std::int64_t> nextPrune_{0};  // steady-clock seconds
};

/// Seconds from `from` to `to`, both ISO-8601 UTC text as the database writes it
/// ("2025-01-15T00:00:00.000Z"); nullopt when either does not parse.
std::optional<double> secondsBetween(const std::string& from, const std::string& to);

}  // namespace cc::core
