#include "label_bounds.hpp"

namespace cc::metrics {

bool isPlainLabelValue(const std::string& value) {
  if (value.empty()) return false;
  for (char c : value)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string methodLabel(const std::string& method) {
  static const std::set<std::string> known{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  return known.count(method) ? method : "OTHER";
}

std::string routeLabel(const std::string& routeTemplate) {
  return routeTemplate.empty() ? kUnmatchedRoute : routeTemplate;
}

KnownValues::KnownValues(std::vector<std::string> values)
    : values_(std::move(values)), lookup_(values_.begin(), values_.end()) {}

std::string KnownValues::label(const std::string& value) const {
  if (value.empty()) return kUnknownLabel;
  return lookup_.count(value) ? value : kOtherLabel;
}

std::string amountTier(std::int64_t amountCents) {
  if (amountCents < 10'000) return kAmountTiers[0];
  if (amountCents < 100'000) return kAmountTiers[1];
  return kAmountTiers[2];
}

}  // namespace cc::metrics
