#pragma once
// The arguments and results of the counting upsert and the usage read, as the text values of
// Database::queryPrepared().
#include <codecouncil/sdk/database.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cc::ratelimit {

/// The upsert's placeholders, in order.
struct CountArguments {
  std::string userId;
  std::int64_t requests = 1;  ///< requests to add at once (bound twice: day, month)
  std::int64_t runs = 0;      ///< analysis runs to add (bound twice: day, month)
  std::int64_t requestsPerDay = 0, requestsPerMonth = 0, runsPerDay = 0, runsPerMonth = 0;

  std::vector<Database::SqlValue> params() const;
};

/// A decimal integer column; throws std::runtime_error on NULL or anything that is not one.
std::int64_t integerColumn(const Database::SqlRow& row, std::size_t index);
/// A text column; throws std::runtime_error on NULL.
std::string textColumn(const Database::SqlRow& row, std::size_t index);

}  // namespace cc::ratelimit
