-- Row counts per (action, severity, resourceType), kept by the writer in the same transaction
-- as the rows (and by retention), so the total of a page filtered on these columns is a sum
-- over a few dozen rows instead of a count over up to millions of index entries.
CREATE TABLE "AuditLogCounts" (
  action TEXT NOT NULL,
  severity TEXT NOT NULL,
  "resourceType" TEXT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (action, severity, "resourceType")
);
INSERT INTO "AuditLogCounts" (action, severity, "resourceType", n)
SELECT action, severity, "resourceType", COUNT(*) FROM "AuditLog" GROUP BY action, severity, "resourceType";
-- from/to are resolved to ids by seeking this index in order (createdAt, then id), which
-- both planners do directly; a lone "createdAt" index left PostgreSQL sorting ties.
DROP INDEX "AuditLog_createdAt_idx";
CREATE INDEX "AuditLog_createdAt_id_idx" ON "AuditLog" ("createdAt", id);
