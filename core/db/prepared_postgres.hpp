#pragma once
// PreparedConnection on a raw libpq connection (PQprepare once per SQL text, PQexecPrepared after).
#include "core/db/prepared_connection.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cc::core {

/// Connects with libpq keyword/value pairs (DatabaseUrl::libpqParams).
std::unique_ptr<PreparedConnection> openPreparedPostgres(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace cc::core
