-- One row per backup attempt, written by whichever process ran it (scheduled job or CLI).
-- "publishedAt" is NULL until a serving instance has published the run as a
-- backup_succeeded / backup_failed event (an outbox: a cron-run CLI backup has no subscribers).
CREATE TABLE backup_runs (
  id TEXT PRIMARY KEY,
  "startedAt" TEXT NOT NULL,
  "finishedAt" TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
  "triggeredBy" TEXT NOT NULL,
  engine TEXT NOT NULL,
  environment TEXT NOT NULL,
  file TEXT NOT NULL DEFAULT '',
  bytes BIGINT NOT NULL DEFAULT 0,
  "durationSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
  verified INTEGER NOT NULL DEFAULT 0,
  "s3Key" TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  "publishedAt" TEXT
);
CREATE INDEX backup_runs_unpublished ON backup_runs ("publishedAt", "finishedAt");
CREATE INDEX backup_runs_status_finished ON backup_runs (status, "finishedAt");
