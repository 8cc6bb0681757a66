#pragma once
// PreparedConnection on a raw sqlite3 handle (statements prepared with SQLITE_PREPARE_PERSISTENT).
#include "core/db/prepared_connection.hpp"

#include <memory>
#include <string>

namespace cc::core {

/// Opens `path` with the pool's PRAGMAs (busy_timeout, WAL, synchronous NORMAL, foreign_keys).
std::unique_ptr<PreparedConnection> openPreparedSqlite(const std::string& path, int busyTimeoutMs);

}  // namespace cc::core
