#pragma once
// Keeps label values to a known, small set so no client or publisher can create series at
// will (one public report grew to 118k series from a raw-path label).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cc::metrics {

/// Label value for a value outside the known set.
inline constexpr const char* kOtherLabel = "other";
/// Label value when the event carried no value at all.
inline constexpr const char* kUnknownLabel = "unknown";
/// Route label of requests that matched no route (404, 405, bodies refused before routing).
inline constexpr const char* kUnmatchedRoute = "unmatched";

/// [a-z0-9_]+, the form every configured label value must have.
bool isPlainLabelValue(const std::string& value);

/// GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS as sent; any other method is "OTHER".
std::string methodLabel(const std::string& method);
/// The matched route template, or "unmatched": never the raw path.
std::string routeLabel(const std::string& routeTemplate);

/// Maps a value onto a fixed set: itself when known, "unknown" when empty, else "other".
class KnownValues {
 public:
  explicit KnownValues(std::vector<std::string> values);
  std::string label(const std::string& value) const;
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
  std::set<std::string> lookup_;
};

/// Payment sizes, in the currency's minor unit (cents). The bounds sit between the plan prices
/// ($49, $149, $499, $1499) so each price lands in a predictable tier.
inline const std::vector<std::string> kAmountTiers{"under_100", "100_to_999", "1000_plus"};
std::string amountTier(std::int64_t amountCents);

}  // namespace cc::metrics
