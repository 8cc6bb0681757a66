#pragma once
// Checks the checkpoint files against the key, against each other, and against the database.
// Pure logic: `audit verify` gives it the files, the chain head facts and a way to read one
// row's hash, and unit tests can give it anything.
//
// What each finding means (docs/audit-log.md "Signed checkpoints"):
//   wrong key   no checkpoint's signature matches: AUDIT_CHECKPOINT_KEY is not the key that
//               signed them (or every file was replaced)
//   forged      a file is malformed, or its signature does not match its fields
//   missing     a number is missing, or a link (previousSignature) is broken
// Checkpoints newer than the newest file are taken from "AuditCheckpoint" (entries with
// fromDatabase): another host wrote them, or their file was deleted here. They are checked the
// same way, so deleting the newest file alone hides nothing; deleting the file and the row
// together cannot be seen here (nothing signs the newest checkpoint yet): keep copies off host.
//   truncated   the log ends before the newest checkpoint's seq
//   rewritten   row seq of a checkpoint no longer has the hash that checkpoint signed
#include "checkpoint_files.hpp"
#include "checkpoint_store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cc::audit {

struct CheckpointVerdict {
  bool ok = true;
  std::int64_t checkpointsChecked = 0;
  std::int64_t onlyInDatabase = 0;  ///< checked checkpoints that have no file here
  std::int64_t firstBadId = 0;  ///< first audit row the finding puts in doubt
  std::string problem;          ///< "wrong key", "forged", "missing", "truncated", "rewritten"
  std::string message;
  std::optional<Checkpoint> latest;  ///< the newest checkpoint that checked out
};

using RowHashLookup = std::function<std::optional<std::string>(std::int64_t id)>;

CheckpointVerdict verifyCheckpoints(const std::vector<CheckpointFile>& files, const std::string& key,
                                    const ChainFacts& facts, const RowHashLookup& rowHash);

}  // namespace cc::audit
