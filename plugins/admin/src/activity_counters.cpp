#include "activity_counters.hpp"

#include "sql_values.hpp"

#include <codecouncil/sdk/event_fields.hpp>

#include <Poco/Data/Statement.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

using namespace Poco::Data::Keywords;

namespace cc::admin {

namespace {

constexpr std::size_t kMaxTextBytes = 128;

// Other plugins' payloads are input: read tolerantly, and bounded before they become keys.
std::string stringField(const json::ObjectPtr& payload, const char* key) {
  std::string s = EventFields(payload).string(key);
  return s.size() > kMaxTextBytes ? s.substr(0, kMaxTextBytes) : s;
}

}  // namespace

std::pair<std::string, std::string> utcNow() {
  Poco::Timestamp now;
  return {Poco::DateTimeFormatter::format(now, "%Y-%m-%d"),
          Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ")};
}

void ActivityCounters::observe(const Event& event) {
  auto [day, at] = utcNow();
  observe(event.topic, event.payload, day, at);
}

void ActivityCounters::observe(const std::string& topic, const json::ObjectPtr& payload, const std::string& day,
                               const std::string& at) {
  std::string tier = stringField(payload, "tier");
  std::string userId = stringField(payload, "userId");
  std::string name = topic.size() > kMaxTextBytes ? topic.substr(0, kMaxTextBytes) : topic;
  std::lock_guard lock(mutex_);
  events_[EventKey{day, name, tier, tier.empty() ? userId : std::string()}] += 1;
  if (topic == kAnalysisCompleted && !userId.empty()) {
    Runs& r = runs_[userId];
    r.count += 1;
    if (at > r.lastAt) r.lastAt = at;
  }
}

std::size_t ActivityCounters::pendingKeys() const {
  std::lock_guard lock(mutex_);
  return events_.size() + runs_.size();
}

void ActivityCounters::merge(std::map<EventKey, std::int64_t>& events, std::map<std::string, Runs>& runs) {
  std::lock_guard lock(mutex_);
  for (auto& [key, n] : events) events_[key] += n;
  for (auto& [user, r] : runs) {
    Runs& mine = runs_[user];
    mine.count += r.count;
    if (r.lastAt > mine.lastAt) mine.lastAt = r.lastAt;
  }
}

void ActivityCounters::flush() {
  std::lock_guard flushing(flushMutex_);
  std::map<EventKey, std::int64_t> events;
  std::map<std::string, Runs> runs;
  {
    std::lock_guard lock(mutex_);
    events.swap(events_);
    runs.swap(runs_);
  }
  if (events.empty() && runs.empty()) return;
  try {
    auto tiers = tiersOf(events);
    db_.transaction([&](Poco::Data::Session& s) { write(s, events, tiers, runs); });
  } catch (...) {
    merge(events, runs);  // nothing was committed: keep the counts for the next flush
    throw;
  }
}

std::map<std::string, std::string> ActivityCounters::tiersOf(const std::map<EventKey, std::int64_t>& events) {
  std::vector<std::string> ids;
  for (auto& [key, n] : events) {
    const auto& [day, topic, tier, userId] = key;
    if (tier.empty() && !userId.empty()) ids.push_back(userId);
  }
  std::map<std::string, std::string> tiers;
  for (auto& [id, user] : users_.findByIds(ids)) tiers[id] = user.tier;
  return tiers;
}

void ActivityCounters::write(Poco::Data::Session& s, const std::map<EventKey, std::int64_t>& events,
                             const std::map<std::string, std::string>& tiers, const std::map<std::string, Runs>& runs) {
  const std::string upsert =
      " ON CONFLICT (day, topic, tier) DO UPDATE SET count = admin_event_counts.count + excluded.count";
  for (auto& [key, n] : events) {
    auto [day, topic, tier, userId] = key;
    std::int64_t count = n;
    std::string t = tier;
    if (t.empty() && !userId.empty()) {
      auto it = tiers.find(userId);
      if (it != tiers.end()) t = it->second;
    }
    if (t.empty()) t = "none";
    s << db_.sql("INSERT INTO admin_event_counts (day, topic, tier, count) VALUES (?, ?, ?, ?)" + upsert), use(day),
        use(topic), use(t), use(count), now;
  }
  for (auto& [user, r] : runs) {
    std::string id = user, lastAt = r.lastAt;
    std::int64_t count = r.count;
    s << db_.sql("INSERT INTO admin_user_activity (\"userId\", \"analysisRuns\", \"lastAnalysisAt\") VALUES (?, ?, ?) "
                 "ON CONFLICT (\"userId\") DO UPDATE SET \"analysisRuns\" = admin_user_activity.\"analysisRuns\" + "
                 "excluded.\"analysisRuns\", \"lastAnalysisAt\" = CASE WHEN excluded.\"lastAnalysisAt\" > "
                 "COALESCE(admin_user_activity.\"lastAnalysisAt\", '') THEN excluded.\"lastAnalysisAt\" ELSE "
                 "admin_user_activity.\"lastAnalysisAt\" END"),
        use(id), use(count), use(lastAt), now;
  }
}

std::vector<std::pair<std::string, std::int64_t>> ActivityCounters::topByAnalysisRuns(int limit) {
  auto s = db_.session();
  Poco::Data::Statement st(s);
  st << "SELECT \"userId\", \"analysisRuns\" FROM admin_user_activity WHERE \"analysisRuns\" > 0 "
        "ORDER BY \"analysisRuns\" DESC, \"userId\" LIMIT " + std::to_string(limit);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) out.emplace_back(textValue(rs.value(0, i)), intValue(rs.value(1, i)));
  return out;
}

std::map<std::string, std::int64_t> ActivityCounters::eventsByTier(const std::string& fromDay) {
  auto s = db_.session();
  std::string from = fromDay;
  Poco::Data::Statement st(s);
  st << db_.sql("SELECT tier, CAST(SUM(count) AS BIGINT) FROM admin_event_counts WHERE day >= ? GROUP BY tier"),
      use(from);
  return countsByKey(st);
}

std::map<std::string, std::int64_t> ActivityCounters::topicPerDay(const std::string& topic, const std::string& fromDay) {
  auto s = db_.session();
  std::string t = topic, from = fromDay;
  Poco::Data::Statement st(s);
  st << db_.sql("SELECT day, CAST(SUM(count) AS BIGINT) FROM admin_event_counts WHERE day >= ? AND topic = ? "
                "GROUP BY day"),
      use(from), use(t);
  return countsByKey(st);
}

}  // namespace cc::admin
