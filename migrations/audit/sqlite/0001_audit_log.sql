-- Audit trail. Each row is chained to the one before it: hash = SHA-256 over the row's
-- content and "prevHash" (see plugins/audit/src/hash_chain.cpp), so an edit, an insertion
-- or a deletion done with plain SQL is found by `codecouncil audit verify`.
--
-- id is assigned by the audit writer as "AuditChain"."lastId" + 1 while it holds the chain
-- lock, so ids have no gaps and follow "createdAt" order (newest first = id descending).
-- metadata is TEXT, not JSON/JSONB: the hash covers the exact bytes written.
CREATE TABLE "AuditLog" (
  id INTEGER PRIMARY KEY,
  "userId" TEXT,
  action TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  "resourceType" TEXT NOT NULL,
  "resourceId" TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  ip TEXT,
  "userAgent" TEXT,
  "requestId" TEXT,
  "createdAt" TEXT NOT NULL,
  "prevHash" TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- One index per filter, each ending in id so a filtered page is read newest first straight
-- from the index. action is compared bytewise (SQLite BINARY), so a prefix is an index range.
CREATE INDEX "AuditLog_userId_idx" ON "AuditLog" ("userId", id);
CREATE INDEX "AuditLog_action_idx" ON "AuditLog" (action, id);
CREATE INDEX "AuditLog_severity_idx" ON "AuditLog" (severity, id);
CREATE INDEX "AuditLog_resourceType_idx" ON "AuditLog" ("resourceType", id);
CREATE INDEX "AuditLog_createdAt_idx" ON "AuditLog" ("createdAt");
-- The head of the chain: one row. Appends lock it (PostgreSQL: SELECT ... FOR UPDATE;
-- SQLite: the BEGIN IMMEDIATE write lock), read lastId/lastHash, insert, move it on.
-- anchorId/anchorHash describe the last row removed by retention, so what remains still
-- verifies; lastId/lastHash let verify notice rows deleted from the end.
CREATE TABLE "AuditChain" (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  "lastId" BIGINT NOT NULL,
  "lastHash" TEXT NOT NULL,
  "lastCreatedAt" TEXT NOT NULL,
  "anchorId" BIGINT NOT NULL,
  "anchorHash" TEXT NOT NULL
);
INSERT INTO "AuditChain" (id, "lastId", "lastHash", "lastCreatedAt", "anchorId", "anchorHash")
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '', 0,
        '0000000000000000000000000000000000000000000000000000000000000000');
