#pragma once
// The "AuditLog" table and its chain head: appending entries under the chain lock, walking
// the chain for `audit verify`, and purging old rows for retention.
#include "chain_verifier.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/audit/contract.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cc::audit {

struct PurgeResult {
  std::int64_t deleted = 0;
  std::int64_t anchorId = 0;  ///< the last purged row (what remains starts after it)
};

class AuditStore {
 public:
  explicit AuditStore(Database& db) : db_(db) {}

  /// Appends the entries, in order, in one transaction. The chain head row is locked first
  /// (SELECT ... Database::lockRowsSql() in a write transaction), so writers
  /// in any thread or process take turns and every row links to the one before it.
  /// Entries must already be normalised. Throws on a database error (nothing is written).
  void append(const std::vector<AuditEntry>& entries);

  /// Called by append() with the rows it wrote, in id order, after their transaction committed
  /// (the syslog forwarder). Set before the first append; must not throw.
  void onCommitted(std::function<void(const std::vector<ChainRow>&)> observer) { committed_ = std::move(observer); }

  /// Takes and releases the chain lock in a write transaction, appending nothing. Throws when
  /// the database cannot take an append now (unreachable, locked by another process), so the
  /// writer can tell that from an entry the database refuses.
  void probe();

  /// Walks every row in id order inside one read snapshot and reports the first break.
  VerifyResult verify();

  /// Removes the rows created before `cutoff` (ISO-8601 UTC) and records the last removed
  /// row as the anchor, so the rows that remain still verify.
  PurgeResult purgeBefore(const std::string& cutoff);

 private:
  Database& db_;
  std::function<void(const std::vector<ChainRow>&)> committed_;
};

}  // namespace cc::audit
