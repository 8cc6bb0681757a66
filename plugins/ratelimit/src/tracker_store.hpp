#pragma once
// The "RateLimitTracker" table: one row per user with the counters of the current UTC day and
// month, and the start of the day and month they belong to (from the database clock).
#include "count_combiner.hpp"
#include "count_statement.hpp"
#include "tier_limits.hpp"

#include <codecouncil/sdk/database.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cc::ratelimit {

/// Counters of the current windows. Counters of a window that has ended read as 0.
struct WindowUsage {
  std::int64_t requestsToday = 0;
  std::int64_t requestsThisMonth = 0;
  std::int64_t analysisRunsToday = 0;
  std::int64_t analysisRunsThisMonth = 0;
  std::string dayStart;    ///< "2025-01-15T00:00:00.000Z"
  std::string monthStart;  ///< "2025-01-01T00:00:00.000Z"
  std::string now;         ///< the database clock when read (only set by current())

  std::int64_t count(LimitType type) const;
};

class TrackerStore {
 public:
  /// `waiting`: how a request waits for the statement that counts it (Context::waiting()).
  TrackerStore(Database& db, Waiting& waiting);

  /// Counts one request (and one analysis run when `analysisRun`) in the day and month windows
  /// of the database clock, in one conditional upsert: either every window has room and all
  /// counters move, or nothing is written. Returns the counters after counting, or nullopt when
  /// refused. Every limit must be at least 1 (a zero limit refuses without asking the database).
  /// Concurrent requests of one user and kind are counted together in one statement
  /// (count_combiner.hpp), each with its exact position.
  std::optional<WindowUsage> tryCount(const std::string& userId, bool analysisRun, const TierLimits& limits);

  /// The user's counters in the current windows (zeros when the user has no row yet).
  WindowUsage current(const std::string& userId);

 private:
  /// Adds k requests like `one` in one statement; the counters after them, or nullopt when the
  /// k did not all fit.
  std::optional<WindowUsage> countMany(const CountArguments& one, std::int64_t k);

  Database& db_;
  // Built once: the engine (placeholder style, clock expression) never changes.
  const std::string countSql_;
  const std::string currentSql_;
  // Counting writes go through the host's batched writer: where the database admits one writer
  // at a time they are committed in groups (a handover of the write lock per request cost more
  // than the upsert); elsewhere each commits on its own at once.
  const std::shared_ptr<BatchedWriter> counts_;
  CountCombiner<WindowUsage> combiner_;
};

}  // namespace cc::ratelimit
