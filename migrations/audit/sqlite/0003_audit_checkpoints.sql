-- Signed checkpoints of the audit chain (plugins/audit/src/checkpoint*.cpp, docs/audit-log.md
-- "Signed checkpoints"). The files under data_dir/audit-checkpoints/ are the evidence; this
-- table only lets every host sharing the database chain its next checkpoint onto the latest
-- one (previousSignature) and tells `audit verify` which checkpoint is newest. The primary key
-- on number means two hosts can never both write checkpoint n: no forks of the chain.
CREATE TABLE "AuditCheckpoint" (
  number BIGINT PRIMARY KEY,
  seq BIGINT NOT NULL,
  "count" BIGINT NOT NULL,
  "headHash" TEXT NOT NULL,
  "time" TEXT NOT NULL,
  "previousSignature" TEXT NOT NULL,
  signature TEXT NOT NULL
);
