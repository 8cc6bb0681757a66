#include "count_statement.hpp"

#include <charconv>
#include <stdexcept>

namespace cc::ratelimit {

std::vector<Database::SqlValue> CountArguments::params() const {
  const std::string q = std::to_string(requests);
  const std::string r = std::to_string(runs);
  return {userId,
          q,
          q,
          r,
          r,
          std::to_string(requestsPerDay),
          std::to_string(requestsPerMonth),
          std::to_string(runsPerDay),
          std::to_string(runsPerMonth)};
}

std::int64_t integerColumn(const Database::SqlRow& row, std::size_t index) {
  if (index >= row.size() || !row[index])
    throw std::runtime_error("rate limit tracker: column " + std::to_string(index) + " is missing or NULL");
  const std::string& text = *row[index];
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    throw std::runtime_error("rate limit tracker: column " + std::to_string(index) + " is not an integer: '" +
                             text + "'");
  return value;
}

std::string textColumn(const Database::SqlRow& row, std::size_t index) {
  if (index >= row.size() || !row[index])
    throw std::runtime_error("rate limit tracker: column " + std::to_string(index) + " is missing or NULL");
  return *row[index];
}

}  // namespace cc::ratelimit
