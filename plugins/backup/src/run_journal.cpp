#include "run_journal.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <cstdio>
#include <random>

using namespace Poco::Data::Keywords;

namespace cc::backup {

std::string newJournalId(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s_%016llx%08llx", prefix, static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return buf;
}

double isoToUnixSeconds(const std::string& iso) {
  int y, mo, d, h, mi;
  double s;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%lfZ", &y, &mo, &d, &h, &mi, &s) != 6) return 0;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = 0;
  return static_cast<double>(timegm(&tm)) + s;
}

RunRecord recordOf(const BackupOutcome& outcome) {
  RunRecord r;
  r.status = outcome.ok ? "succeeded" : "failed";
  r.engine = outcome.engine;
  r.file = outcome.file;
  r.bytes = static_cast<std::int64_t>(outcome.bytes);
  r.durationSeconds = outcome.durationSeconds;
  r.error = outcome.error;
  r.finishedAt = outcome.finishedAt;
  return r;
}

std::string RunJournal::record(const BackupOutcome& outcome, const std::string& triggeredBy,
                               const std::string& environment, bool published) {
  RunRecord r = recordOf(outcome);
  std::string id = newJournalId("bkp"), startedAt = outcome.startedAt, trigger = triggeredBy, env = environment;
  std::string s3Key = outcome.s3Key;
  int verified = outcome.verified ? 1 : 0;
  std::string publishedSql = published ? db_.nowSql() : "NULL";
  auto s = db_.session();
  s << db_.sql("INSERT INTO backup_runs (id, \"startedAt\", \"finishedAt\", status, \"triggeredBy\", engine, "
               "environment, file, bytes, \"durationSeconds\", verified, \"s3Key\", error, \"publishedAt\") "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + publishedSql + ")"),
      use(id), use(startedAt), use(r.finishedAt), use(r.status), use(trigger), use(r.engine), use(env), use(r.file),
      use(r.bytes), use(r.durationSeconds), use(verified), use(s3Key), use(r.error), now;
  return id;
}

std::vector<RunRecord> RunJournal::claimUnpublished(int limit) {
  std::vector<std::string> candidates;
  {
    auto s = db_.session();
    s << db_.sql("SELECT id FROM backup_runs WHERE \"publishedAt\" IS NULL ORDER BY \"finishedAt\" LIMIT ?"),
        into(candidates), use(limit), now;
  }
  std::vector<RunRecord> claimed;
  for (auto& candidate : candidates) {
    std::string id = candidate;
    std::vector<std::string> won;
    auto s = db_.session();
    // Only the instance whose UPDATE changes the row publishes it.
    s << db_.sql("UPDATE backup_runs SET \"publishedAt\" = " + db_.nowSql() +
                 " WHERE id = ? AND \"publishedAt\" IS NULL RETURNING id"),
        use(id), into(won), now;
    if (won.empty()) continue;
    Poco::Data::Statement st(s);
    st << db_.sql("SELECT status, engine, file, bytes, \"durationSeconds\", error, \"finishedAt\" FROM backup_runs "
                  "WHERE id = ?"),
        use(id);
    st.execute();
    Poco::Data::RecordSet rs(st);
    if (rs.rowCount() == 0) continue;
    RunRecord r;
    r.id = id;
    r.status = rs.value(0, 0).toString();
    r.engine = rs.value(1, 0).toString();
    r.file = rs.value(2, 0).toString();
    r.bytes = rs.value(3, 0).convert<Poco::Int64>();
    r.durationSeconds = rs.value(4, 0).convert<double>();
    r.error = rs.value(5, 0).toString();
    r.finishedAt = rs.value(6, 0).toString();
    claimed.push_back(r);
  }
  return claimed;
}

std::optional<LastSuccess> RunJournal::lastSuccess() {
  auto s = db_.session();
  Poco::Data::Statement st(s);
  st << "SELECT \"finishedAt\", bytes, \"durationSeconds\" FROM backup_runs WHERE status = 'succeeded' "
        "ORDER BY \"finishedAt\" DESC LIMIT 1";
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (rs.rowCount() == 0) return std::nullopt;
  LastSuccess l;
  l.finishedAtSeconds = isoToUnixSeconds(rs.value(0, 0).toString());
  l.bytes = rs.value(1, 0).convert<Poco::Int64>();
  l.durationSeconds = rs.value(2, 0).convert<double>();
  return l;
}

json::ObjectPtr eventPayload(const RunRecord& run) {
  auto o = json::object();
  o->set("engine", run.engine);
  if (run.status == "succeeded") {
    o->set("file", run.file);
    o->set("bytes", static_cast<Poco::Int64>(run.bytes));
    o->set("durationSeconds", run.durationSeconds);
  } else {
    o->set("error", run.error);
  }
  return o;
}

}  // namespace cc::backup
