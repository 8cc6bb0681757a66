CREATE TABLE tp_events (topic TEXT NOT NULL, "userId" TEXT NOT NULL);
-- No unique key on purpose: the test counts rows per slot to prove single execution.
CREATE TABLE tp_job_effects (slot TEXT NOT NULL, instance TEXT NOT NULL);
