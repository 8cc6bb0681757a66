#pragma once
// Writes the next signed checkpoint (the scheduled job "audit.checkpoint" and shutdown):
// records it in "AuditCheckpoint" under the chain lock, then writes its file, and the files of
// any checkpoint another host sharing the database wrote since, so every host's data_dir holds
// the whole chain.
#include "checkpoint_files.hpp"
#include "checkpoint_store.hpp"

#include <Poco/Logger.h>

#include <string>

namespace cc::audit {

class Checkpointer {
 public:
  /// `key` must not be empty (checkpoints are off then, and no Checkpointer is made).
  Checkpointer(Database& db, std::string dataDir, std::string key, Poco::Logger& log)
      : store_(db), dir_(checkpointDir(dataDir)), key_(std::move(key)), log_(log) {}

  /// Writes one checkpoint; `why` is "scheduled" or "shutdown" (for the log). Throws on failure.
  Checkpoint write(const std::string& why);

 private:
  CheckpointStore store_;
  std::string dir_;
  std::string key_;
  Poco::Logger& log_;
};

}  // namespace cc::audit
