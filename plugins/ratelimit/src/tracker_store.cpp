#include "tracker_store.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace cc::ratelimit {

std::int64_t WindowUsage::count(LimitType type) const {
  switch (type) {
    case LimitType::DailyRequests: return requestsToday;
    case LimitType::MonthlyRequests: return requestsThisMonth;
    case LimitType::DailyAnalysis: return analysisRunsToday;
    case LimitType::MonthlyAnalysis: return analysisRunsThisMonth;
  }
  return 0;
}

namespace {

// "No limit" as a bound the counters can never reach.
constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max() / 2;

// The current windows, from ONE reading of the database clock, so a statement that runs across
// midnight cannot put the day in one window and the month in another.
std::string windowsSubquery(const Database& db) {
  return "(SELECT n.now AS now, substr(n.now, 1, 10) || 'T00:00:00.000Z' AS day, "
         "substr(n.now, 1, 7) || '-01T00:00:00.000Z' AS month FROM (SELECT " +
         db.nowSql() + " AS now) n)";
}

// A counter of the stored row, or 0 when the row's window has ended.
std::string carried(const char* column, const char* windowColumn) {
  return std::string("CASE WHEN \"RateLimitTracker\".\"") + windowColumn + "\" = excluded.\"" + windowColumn +
         "\" THEN \"RateLimitTracker\".\"" + column + "\" ELSE 0 END";
}

// Never read-then-write: the limits are checked in the upsert's WHERE, against the row as the
// database has it under the row's lock (or the database's write lock). A declined
// update returns no row through RETURNING. The VALUES row is what a first request writes, and
// what one statement adds: k requests (and k analysis runs, or none) of one combined batch.
// The first row's INSERT checks no limit: k is never above the smallest limit (tryCount).
std::string countSql(const Database& db) {
  const std::string reqDay = carried("requestsToday", "dayStart");
  const std::string reqMonth = carried("requestsThisMonth", "monthStart");
  const std::string runDay = carried("analysisRunsToday", "dayStart");
  const std::string runMonth = carried("analysisRunsThisMonth", "monthStart");
  return std::string(
      "INSERT INTO \"RateLimitTracker\" (\"userId\", \"requestsToday\", \"requestsThisMonth\", "
      "\"analysisRunsToday\", \"analysisRunsThisMonth\", \"dayStart\", \"monthStart\", \"updatedAt\") "
      "SELECT ?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), w.day, w.month, "
      "w.now FROM " +
      windowsSubquery(db) +
      " w WHERE true "  // a WHERE keeps ON CONFLICT from parsing as a join constraint
      "ON CONFLICT (\"userId\") DO UPDATE SET "
      "\"requestsToday\" = " + reqDay + " + excluded.\"requestsToday\", "
      "\"requestsThisMonth\" = " + reqMonth + " + excluded.\"requestsThisMonth\", "
      "\"analysisRunsToday\" = " + runDay + " + excluded.\"analysisRunsToday\", "
      "\"analysisRunsThisMonth\" = " + runMonth + " + excluded.\"analysisRunsThisMonth\", "
      "\"dayStart\" = excluded.\"dayStart\", \"monthStart\" = excluded.\"monthStart\", "
      "\"updatedAt\" = excluded.\"updatedAt\" "
      "WHERE " + reqDay + " + excluded.\"requestsToday\" <= CAST(? AS BIGINT) AND " + reqMonth +
      " + excluded.\"requestsThisMonth\" <= CAST(? AS BIGINT) AND " +
      runDay + " + excluded.\"analysisRunsToday\" <= CAST(? AS BIGINT) AND " + runMonth +
      " + excluded.\"analysisRunsThisMonth\" <= CAST(? AS BIGINT) "
      "RETURNING \"requestsToday\", \"requestsThisMonth\", \"analysisRunsToday\", \"analysisRunsThisMonth\", "
      "\"dayStart\", \"monthStart\"");
}

std::string currentSql(const Database& db) {
  return std::string(
      "SELECT CASE WHEN t.\"dayStart\" = w.day THEN t.\"requestsToday\" ELSE 0 END, "
      "CASE WHEN t.\"monthStart\" = w.month THEN t.\"requestsThisMonth\" ELSE 0 END, "
      "CASE WHEN t.\"dayStart\" = w.day THEN t.\"analysisRunsToday\" ELSE 0 END, "
      "CASE WHEN t.\"monthStart\" = w.month THEN t.\"analysisRunsThisMonth\" ELSE 0 END, "
      "w.day, w.month, w.now FROM " +
      windowsSubquery(db) + " w LEFT JOIN \"RateLimitTracker\" t ON t.\"userId\" = ?");
}

}  // namespace

TrackerStore::TrackerStore(Database& db, Waiting& waiting)
    : db_(db),
      countSql_(countSql(db)),
      currentSql_(currentSql(db)),
      counts_(db.batchedWriter("ratelimit.tracker", {.maxBatch = 0, .singleStatementWrites = true})),
      combiner_(waiting) {}

namespace {

// The smallest limit among a request's windows: a batch never adds more, so a first row (whose
// INSERT checks no limit) stays within every limit, and a batch that could never fit is not tried.
std::int64_t largestBatch(const CountArguments& one) {
  return std::min({one.requestsPerDay, one.requestsPerMonth, one.runsPerDay, one.runsPerMonth});
}

// Requests combine when one statement can count them all: same user, same kind, same limits.
// The user id, then the five numbers as fixed-size bytes: the suffix's fixed length keeps keys
// of different ids apart, and the key costs one allocation, not one per number.
std::string combineKey(const CountArguments& one) {
  const std::int64_t numbers[] = {one.runs, one.requestsPerDay, one.requestsPerMonth, one.runsPerDay,
                                  one.runsPerMonth};
  std::string key;
  key.reserve(one.userId.size() + sizeof numbers);
  key.append(one.userId);
  key.append(reinterpret_cast<const char*>(numbers), sizeof numbers);
  return key;
}

// The counters as the request `countedAfter` places before the end of its batch saw them.
WindowUsage positioned(WindowUsage afterBatch, std::int64_t countedAfter, std::int64_t runsPerRequest) {
  afterBatch.requestsToday -= countedAfter;
  afterBatch.requestsThisMonth -= countedAfter;
  afterBatch.analysisRunsToday -= countedAfter * runsPerRequest;
  afterBatch.analysisRunsThisMonth -= countedAfter * runsPerRequest;
  return afterBatch;
}

}  // namespace

std::optional<WindowUsage> TrackerStore::countMany(const CountArguments& one, std::int64_t k) {
  CountArguments batch = one;
  batch.requests = k;
  batch.runs = one.runs * k;
  const auto params = batch.params();
  // Prepared once per pooled connection (queryPrepared): compiling this upsert cost more than
  // running it.
  std::vector<Database::SqlRow> rows;
  counts_->submit([&](Poco::Data::Session& s) { rows = db_.queryPrepared(s, countSql_, params); });
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  return WindowUsage{integerColumn(r, 0), integerColumn(r, 1), integerColumn(r, 2), integerColumn(r, 3),
                     textColumn(r, 4),    textColumn(r, 5),    ""};
}

std::optional<WindowUsage> TrackerStore::tryCount(const std::string& userId, bool analysisRun,
                                                  const TierLimits& limits) {
  CountArguments one;
  one.userId = userId;
  one.runs = analysisRun ? 1 : 0;
  one.requestsPerDay = limits.requestsPerDay.value_or(kNoLimit);
  one.requestsPerMonth = limits.requestsPerMonth.value_or(kNoLimit);
  // A plain request adds nothing to the analysis counters, so their limits must not refuse it,
  // even when a downgrade left those counters above the new limit.
  one.runsPerDay = analysisRun ? limits.analysisRunsPerDay.value_or(kNoLimit) : kNoLimit;
  one.runsPerMonth = analysisRun ? limits.analysisRunsPerMonth.value_or(kNoLimit) : kNoLimit;

  auto share = combiner_.count(combineKey(one), largestBatch(one), [&](std::int64_t k) { return countMany(one, k); });
  if (share.afterBatch) return positioned(std::move(*share.afterBatch), share.countedAfterThis, one.runs);
  // A batch that did not fit whole: near a limit, each of its requests asks alone, so exactly
  // as many are admitted as there is room for.
  if (share.batchSize > 1) return countMany(one, 1);
  return std::nullopt;
}

WindowUsage TrackerStore::current(const std::string& userId) {
  auto rows = db_.queryPrepared(currentSql_, {userId});
  if (rows.size() != 1) throw std::runtime_error("rate limit tracker: the usage query returned no row");
  const auto& r = rows[0];
  return WindowUsage{integerColumn(r, 0), integerColumn(r, 1), integerColumn(r, 2), integerColumn(r, 3),
                     textColumn(r, 4),    textColumn(r, 5),    textColumn(r, 6)};
}

}  // namespace cc::ratelimit
