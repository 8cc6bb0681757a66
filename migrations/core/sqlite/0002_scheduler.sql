-- One row per (job, slot): the unique key is what makes a scheduled job run once per slot
-- across every host instance sharing this database.
CREATE TABLE scheduled_job_runs (
  job TEXT NOT NULL,
  slot TEXT NOT NULL,
  "instanceId" TEXT NOT NULL,
  "startedAt" TEXT NOT NULL,
  "finishedAt" TEXT,
  status TEXT NOT NULL DEFAULT 'running',
  error TEXT,
  PRIMARY KEY (job, slot)
);
