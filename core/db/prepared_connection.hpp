#pragma once
// A connection owned by one thread that prepares each SQL text once and keeps it prepared:
// the engine-specific half of Database::queryPrepared().
#include <codecouncil/sdk/database.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cc::core {

class PreparedConnection {
 public:
  virtual ~PreparedConnection() = default;
  /// `sql` has `?` placeholders (rewritten for the engine when first prepared). Throws std::runtime_error with the database's
  /// message; the caller then drops the connection.
  virtual std::vector<Database::SqlRow> run(const std::string& sql, const std::vector<Database::SqlValue>& params) = 0;
};

/// `?` outside quotes -> $1, $2, ... (PostgreSQL); what PooledDatabase::sql() does there.
std::string numberPlaceholders(std::string_view text);

}  // namespace cc::core
