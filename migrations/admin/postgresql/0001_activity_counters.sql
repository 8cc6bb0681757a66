-- Counters the admin plugin keeps from the event bus, so the analytics page never has to
-- scan the audit log (1,000,000+ rows) or another plugin's tables.
--
-- Events seen per UTC day, topic and the user's tier at the time ('none' when the event
-- names no user). Each host instance adds its own deltas with an upsert, so the sums stay
-- exact when several instances share the database.
CREATE TABLE admin_event_counts (
  day TEXT NOT NULL,
  topic TEXT NOT NULL,
  tier TEXT NOT NULL,
  count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, topic, tier)
);
-- Completed analysis runs per user, for "top users by analysis runs". No foreign key to
-- "User": an event about an unknown user must not make the whole flush fail.
CREATE TABLE admin_user_activity (
  "userId" TEXT PRIMARY KEY,
  "analysisRuns" BIGINT NOT NULL DEFAULT 0,
  "lastAnalysisAt" TEXT
);
CREATE INDEX admin_user_activity_runs_idx ON admin_user_activity ("analysisRuns");
