-- Accounts. Table and column names follow the enterprise guide so its SQL runs verbatim:
--   UPDATE "User" SET "isAdmin" = true WHERE email = 'you@example.com';
-- Timestamps are ISO-8601 UTC text in both engines.
CREATE TABLE "User" (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  "passwordHash" TEXT NOT NULL,
  name TEXT,
  "isAdmin" BOOLEAN NOT NULL DEFAULT false,
  suspended BOOLEAN NOT NULL DEFAULT false,
  "suspendedReason" TEXT,
  "suspendedAt" TEXT,
  tier TEXT NOT NULL DEFAULT 'free',
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL
);
CREATE INDEX "User_createdAt_idx" ON "User" ("createdAt");
