-- One row per user: the counters of the current UTC day and month, and which day and month
-- they belong to ("dayStart", "monthStart", from the database clock). A counter whose window
-- has ended is restarted by the next request, so no reset job is needed. Column names follow
-- the enterprise guide, so its troubleshooting SQL runs verbatim:
--   UPDATE "RateLimitTracker" SET "requestsToday" = 0 WHERE "userId" = '...';
CREATE TABLE "RateLimitTracker" (
  "userId" TEXT PRIMARY KEY REFERENCES "User" (id) ON DELETE CASCADE,
  "requestsToday" INTEGER NOT NULL DEFAULT 0,
  "requestsThisMonth" INTEGER NOT NULL DEFAULT 0,
  "analysisRunsToday" INTEGER NOT NULL DEFAULT 0,
  "analysisRunsThisMonth" INTEGER NOT NULL DEFAULT 0,
  "dayStart" TEXT NOT NULL,
  "monthStart" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL
);
