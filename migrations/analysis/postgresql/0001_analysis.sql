-- Analysis runs. A row is written in the same transaction that debits the run's credits
-- (reference "analysis:<id>" in the billing ledger), as status 'running'; the analyzer's result
-- turns it into 'completed', or 'failed' together with a compensating refund row.
-- The code itself is not kept (customers' source is sensitive): only its size and SHA-256.
-- Timestamps are ISO-8601 UTC text.
CREATE TABLE "Analysis" (
  id TEXT PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES "User" (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  analyzer TEXT NOT NULL,
  model TEXT NOT NULL,
  language TEXT,
  filename TEXT,
  "codeBytes" BIGINT NOT NULL,
  "codeLines" INTEGER NOT NULL,
  "codeSha256" TEXT NOT NULL,
  credits BIGINT NOT NULL,
  tier TEXT NOT NULL,
  summary TEXT,
  findings TEXT NOT NULL DEFAULT '[]',
  "findingCount" INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  "createdAt" TEXT NOT NULL,
  "completedAt" TEXT
);
-- GET /api/analyses: a user's runs, newest first.
CREATE INDEX "Analysis_userId_createdAt_idx" ON "Analysis" ("userId", "createdAt", id);
-- The recovery job: runs left 'running' by a crashed process.
CREATE INDEX "Analysis_status_createdAt_idx" ON "Analysis" (status, "createdAt");
