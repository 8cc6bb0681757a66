#pragma once
// PreparedConnection on a pooled libpq connection: PQprepare once per SQL text and
// PQexecPrepared after, or (database.transaction_pooling) PQexecParams every time.
#include "core/db/prepared_connection.hpp"

#include <memory>

typedef struct pg_conn PGconn;

namespace cc::core {

/// Statements prepared on `conn`, which the caller keeps open for this object's lifetime.
std::unique_ptr<PreparedConnection> preparedOnPostgres(PGconn* conn);

/// For a connection through a transaction-pooling proxy (PgBouncer pool_mode = transaction),
/// where a named statement prepared in one round trip may be missing in the next (another
/// server connection): each run is one PQexecParams of the unnamed statement (Parse, Bind,
/// Execute and Sync in one round trip, so one server connection). The server parses and plans
/// the statement every time (a cost not yet measured in bench/).
std::unique_ptr<PreparedConnection> unnamedOnPostgres(PGconn* conn);

}  // namespace cc::core
