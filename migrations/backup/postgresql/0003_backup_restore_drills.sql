-- One row per restore drill (restore of the newest backup into the scratch verify database,
-- compared with its manifest and sentinel), from the scheduled job or `jobs run`.
-- Every instance reads its newest rows for backup_last_restore_drill_success and
-- backup_last_restore_drill_timestamp_seconds, so all report the same, after restarts too.
CREATE TABLE backup_restore_drills (
  id TEXT PRIMARY KEY,
  "startedAt" TEXT NOT NULL,
  "finishedAt" TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
  "triggeredBy" TEXT NOT NULL,
  environment TEXT NOT NULL,
  file TEXT NOT NULL DEFAULT '',
  "durationSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_restore_drills_status_finished ON backup_restore_drills (status, "finishedAt");
