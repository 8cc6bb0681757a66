#pragma once
// The database side of checkpoints: what the next checkpoint covers, chained onto the latest
// one any host wrote ("AuditCheckpoint"), and the facts `audit verify` compares the files with.
// Nothing here is trusted evidence: the signed files are. The table only keeps hosts that share
// the database on one chain.
#include "checkpoint.hpp"
#include "hash_chain.hpp"

#include <codecouncil/sdk/database.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::audit {

/// What the chain head and the checkpoint table say now.
struct ChainFacts {
  std::int64_t lastId = 0;
  std::string lastHash;
  std::int64_t anchorId = 0;
  std::string anchorHash;
};

class CheckpointStore {
 public:
  explicit CheckpointStore(Database& db) : db_(db) {}

  /// Signs and records the next checkpoint of the chain as it is now, in one transaction that
  /// holds the chain head lock (appends wait, and a second host gets the next number).
  Checkpoint writeNext(const std::string& key);

  /// The recorded checkpoints numbered above `after`, oldest first (for the files a host lacks).
  std::vector<Checkpoint> recordedAfter(std::int64_t after);

  ChainFacts facts();

  /// Hash of row `id` (nullopt: no such row).
  std::optional<std::string> rowHash(std::int64_t id);

  /// Rows `from` to `to` in id order, as the chain sees them.
  std::vector<ChainRow> rows(std::int64_t from, std::int64_t to);

 private:
  Database& db_;
};

}  // namespace cc::audit
