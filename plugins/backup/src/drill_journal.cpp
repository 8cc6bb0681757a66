#include "drill_journal.hpp"

#include "run_journal.hpp"

#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::backup {

void DrillJournal::record(const DrillOutcome& outcome, const std::string& triggeredBy, const std::string& environment) {
  std::string id = newJournalId("drl"), startedAt = outcome.startedAt, finishedAt = outcome.finishedAt;
  std::string status = outcome.ok ? "succeeded" : "failed", trigger = triggeredBy, env = environment;
  std::string file = outcome.file, error = outcome.ok ? "" : outcome.summary();
  double seconds = outcome.durationSeconds;
  auto s = db_.session();
  s << db_.sql("INSERT INTO backup_restore_drills (id, \"startedAt\", \"finishedAt\", status, \"triggeredBy\", "
               "environment, file, \"durationSeconds\", error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      use(id), use(startedAt), use(finishedAt), use(status), use(trigger), use(env), use(file), use(seconds),
      use(error), now;
}

DrillState DrillJournal::state() {
  DrillState state;
  auto s = db_.session();
  std::vector<std::string> last, lastSuccess;
  // ISO-8601 UTC text sorts in time order on both engines.
  s << "SELECT status FROM backup_restore_drills ORDER BY \"finishedAt\" DESC, id DESC LIMIT 1", into(last), now;
  s << "SELECT \"finishedAt\" FROM backup_restore_drills WHERE status = 'succeeded' ORDER BY \"finishedAt\" DESC "
       "LIMIT 1",
      into(lastSuccess), now;
  if (!last.empty()) state.lastSucceeded = last.front() == "succeeded";
  if (!lastSuccess.empty())
    if (double at = isoToUnixSeconds(lastSuccess.front()); at > 0) state.lastSuccessSeconds = at;
  return state;
}

}  // namespace cc::backup
