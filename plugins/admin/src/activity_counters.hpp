#pragma once
// Counts the events on the bus for the analytics page: events per day, topic and user tier
// ("audits by tier", analysis runs over time) and completed analysis runs per user.
//
// Event handlers run on the publisher's thread, sometimes while the publisher holds a
// write transaction (which may be the database's only writer), so observe() only adds to memory and a
// job writes the sums with additive upserts. Each instance adds its own deltas, which
// keeps the totals exact when several instances share a database; a flush that fails is
// kept and retried, nothing is counted twice because the write is one transaction.
#include <codecouncil/analysis/events.hpp>
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/users.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace cc::admin {

/// analysis' topic, named through its events header (analysis stays optional).
inline const std::string& kAnalysisCompleted = analysis::topics::kAnalysisCompleted.name;

class ActivityCounters {
 public:
  ActivityCounters(Database& db, Users& users) : db_(db), users_(users) {}

  /// Counts one event. `day` is "YYYY-MM-DD", `at` the ISO-8601 time it was seen.
  void observe(const std::string& topic, const json::ObjectPtr& payload, const std::string& day,
               const std::string& at);
  /// As above, at the current UTC time.
  void observe(const Event& event);
  /// Writes everything counted so far; on an error the counts stay pending and it throws.
  void flush();
  std::size_t pendingKeys() const;

  /// (userId, completed analysis runs), most first.
  std::vector<std::pair<std::string, std::int64_t>> topByAnalysisRuns(int limit);
  /// tier -> events on or after `fromDay`.
  std::map<std::string, std::int64_t> eventsByTier(const std::string& fromDay);
  /// day -> events of `topic` on or after `fromDay`.
  std::map<std::string, std::int64_t> topicPerDay(const std::string& topic, const std::string& fromDay);

 private:
  // (day, topic, tier, userId): tier is set when the event names it, else userId (the tier
  // is looked up when written), else both are empty and the tier is "none".
  using EventKey = std::tuple<std::string, std::string, std::string, std::string>;
  struct Runs {
    std::int64_t count = 0;
    std::string lastAt;
  };
  void merge(std::map<EventKey, std::int64_t>& events, std::map<std::string, Runs>& runs);
  /// tier of each user an event names without a tier ("none" for an unknown user), asked
  /// before the write transaction: the users service borrows its own connection.
  std::map<std::string, std::string> tiersOf(const std::map<EventKey, std::int64_t>& events);
  void write(Poco::Data::Session& s, const std::map<EventKey, std::int64_t>& events,
             const std::map<std::string, std::string>& tiers, const std::map<std::string, Runs>& runs);

  Database& db_;
  Users& users_;
  mutable std::mutex mutex_;  ///< guards the pending maps
  std::mutex flushMutex_;     ///< one flush at a time (job and stop())
  std::map<EventKey, std::int64_t> events_;
  std::map<std::string, Runs> runs_;
};

/// Today's date and the current time in UTC: {"YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS.mmmZ"}.
std::pair<std::string, std::string> utcNow();

}  // namespace cc::admin
