#pragma once
// PreparedConnection on a pooled libpq connection (PQprepare once per SQL text, PQexecPrepared after).
#include "core/db/prepared_connection.hpp"

#include <memory>

typedef struct pg_conn PGconn;

namespace cc::core {

/// Statements prepared on `conn`, which the caller keeps open for this object's lifetime.
std::unique_ptr<PreparedConnection> preparedOnPostgres(PGconn* conn);

}  // namespace cc::core
