#pragma once
// The checkpoint files: <data_dir>/audit-checkpoints/checkpoint-<number, 10 digits>.json, one
// JSON object per checkpoint, each written under a temporary name, fsynced and renamed, so a
// file is complete or absent. Existing files are never rewritten (append-only by convention;
// copy the folder to WORM storage off the database host to make it so in fact).
#include "checkpoint.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::audit {

/// <dataDir>/audit-checkpoints
std::string checkpointDir(const std::string& dataDir);

/// One file as found: the checkpoint, or why it could not be read.
struct CheckpointFile {
  std::string name;                     ///< file name, for messages
  std::int64_t numberInName = 0;
  std::optional<Checkpoint> checkpoint;  ///< nullopt: unreadable or malformed
  std::string problem;                  ///< why, when checkpoint is nullopt
  bool fromDatabase = false;            ///< no file here: the copy recorded in "AuditCheckpoint"
};

/// Every checkpoint-*.json in `dir`, sorted by the number in its name (empty when no folder).
std::vector<CheckpointFile> readCheckpointFiles(const std::string& dir);

/// The highest number among the files in `dir` (0 when none).
std::int64_t highestCheckpointFile(const std::string& dir);

/// Writes c as its file (0600 in a 0700 folder) unless a file of that number exists already.
void writeCheckpointFile(const std::string& dir, const Checkpoint& c);

}  // namespace cc::audit
