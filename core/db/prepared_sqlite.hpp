#pragma once
// PreparedConnection on a pooled sqlite3 handle (statements prepared with SQLITE_PREPARE_PERSISTENT).
#include "core/db/prepared_connection.hpp"

#include <memory>

typedef struct sqlite3 sqlite3;

namespace cc::core {

/// Statements prepared on `db`, which the caller keeps open for this object's lifetime; they are
/// finalized when the object is destroyed.
std::unique_ptr<PreparedConnection> preparedOnSqlite(sqlite3* db);

}  // namespace cc::core
