#pragma once
#include <string>
#include <vector>

namespace cc::core {

/// Splits a migration script into single statements at top-level semicolons, keeping quoted
/// strings, identifiers, comments and PostgreSQL $tag$ bodies intact. Poco runs one statement
/// per call (PostgreSQL prepares it), so scripts are executed statement by statement.
std::vector<std::string> splitSqlScript(const std::string& script);

}  // namespace cc::core
