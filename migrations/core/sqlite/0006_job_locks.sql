-- A job runs on one host at a time. An exclusive job's scheduled run and `codecouncil jobs run`
-- both hold this row while the job runs (core/scheduler/job_lease.cpp). The holder renews
-- "renewedAt" every 30 seconds; a row not renewed for 2 minutes was left by a host that died
-- and the next run takes it over. Times are ISO-8601 UTC text from the holder's clock.
CREATE TABLE scheduled_job_locks (
  job TEXT PRIMARY KEY,
  "instanceId" TEXT NOT NULL,
  "renewedAt" TEXT NOT NULL
);
