-- The time of the newest successful backup, shared by every instance (one row, id = 1).
-- backup_last_success_timestamp_seconds is read from here, so it survives restarts and is the
-- same on the instance that did not run the backup job.
CREATE TABLE metrics_last_backup (
  "id" INTEGER PRIMARY KEY CHECK ("id" = 1),
  "succeededAt" TEXT NOT NULL
);
