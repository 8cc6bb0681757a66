#pragma once
// Database::isUnavailable() for both engines: is an exception the database's temporary trouble
// (answer 503 + Retry-After, retry later) rather than a fault of the statement?
#include <exception>

namespace cc::core {

bool databaseIsUnavailable(const std::exception& e) noexcept;

}  // namespace cc::core
