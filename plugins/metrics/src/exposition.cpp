#include "exposition.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cctype>

namespace cc::metrics {

std::string renderExposition(const prometheus::Registry& registry, std::vector<prometheus::MetricFamily> extra) {
  std::vector<prometheus::MetricFamily> families = registry.Collect();
  families.insert(families.end(), std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
  // A stable order keeps diffs of two scrapes readable.
  std::stable_sort(families.begin(), families.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
  return prometheus::TextSerializer().Serialize(families);
}

bool bearerMatches(const std::string& authorizationHeader, const std::string& token) {
  if (authorizationHeader.size() < 7) return false;
  std::string scheme = authorizationHeader.substr(0, 7);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "bearer ") return false;
  std::string given = authorizationHeader.substr(7);
  // Compare every byte whatever the first mismatch, so timing does not reveal the prefix.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ token[i % (token.empty() ? 1 : token.size())]);
  return diff == 0 && !token.empty();
}

}  // namespace cc::metrics
