#pragma once
// The backup_runs table: every attempt, from the scheduled job or the CLI, is one row. A CLI
// run (cron, the scripts) has no event subscribers in its process, so its row waits with
// "publishedAt" NULL until a serving instance claims it and publishes backup_succeeded /
// backup_failed: an outbox, so manual and scheduled backups are audited the same way.
#include "backup_runner.hpp"
#include <codecouncil/backup/events.hpp>

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cc::backup {

struct RunRecord {
  std::string id;
  std::string status;  ///< succeeded | failed
  std::string engine;
  std::string file;
  std::int64_t bytes = 0;
  double durationSeconds = 0;
  std::string error;
  std::string finishedAt;
};

struct LastSuccess {
  double finishedAtSeconds = 0;  ///< Unix time
  std::int64_t bytes = 0;
  double durationSeconds = 0;
};

class RunJournal {
 public:
  explicit RunJournal(Database& db) : db_(db) {}
  /// Inserts the run; `published` marks it as already announced (the serving process
  /// publishes its own runs at once). Returns the run's id.
  std::string record(const BackupOutcome& outcome, const std::string& triggeredBy, const std::string& environment,
                     bool published);
  /// Atomically claims up to `limit` unpublished runs (oldest first): each run is returned
  /// to exactly one caller across all instances.
  std::vector<RunRecord> claimUnpublished(int limit);
  std::optional<LastSuccess> lastSuccess();

 private:
  Database& db_;
};

RunRecord recordOf(const BackupOutcome& outcome);
/// The event payload of docs/events.md for a run.
json::ObjectPtr eventPayload(const RunRecord& run);
inline std::string eventTopic(const RunRecord& run) {
  return run.status == "succeeded" ? topics::kBackupSucceeded.name : topics::kBackupFailed.name;
}
/// A random row id, "<prefix>_<24 hex digits>" (backup_runs: "bkp", backup_restore_drills: "drl").
std::string newJournalId(const char* prefix);
/// Unix seconds of an ISO-8601 UTC timestamp ("2025-01-15T02:00:00.000Z"); 0 when malformed.
double isoToUnixSeconds(const std::string& iso);

}  // namespace cc::backup
