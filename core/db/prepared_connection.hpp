#pragma once
// The statements prepared on one pooled connection: the engine-specific half of
// Database::queryPrepared(). It works on the native handle of a connection the pool owns
// (PGconn*, sqlite3*) and never opens or closes one itself; PooledConnection destroys it
// before it closes the connection.
#include <codecouncil/sdk/database.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cc::core {

class PreparedConnection {
 public:
  virtual ~PreparedConnection() = default;
  /// `sql` has `?` placeholders (rewritten for the engine when first prepared). Throws std::runtime_error with the
  /// database's message; the pool then closes the connection instead of lending it again.
  virtual std::vector<Database::SqlRow> run(const std::string& sql, const std::vector<Database::SqlValue>& params) = 0;
};

/// `?` outside quotes -> $1, $2, ... (PostgreSQL); what PooledDatabase::sql() does there.
std::string numberPlaceholders(std::string_view text);

}  // namespace cc::core
