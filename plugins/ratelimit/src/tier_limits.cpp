#include "tier_limits.hpp"

#include <regex>
#include <set>
#include <vector>

namespace cc::ratelimit {

const char* limitTypeName(LimitType type) {
  switch (type) {
    case LimitType::DailyRequests: return "daily_requests";
    case LimitType::MonthlyRequests: return "monthly_requests";
    case LimitType::DailyAnalysis: return "daily_analysis";
    case LimitType::MonthlyAnalysis: return "monthly_analysis";
  }
  return "unknown";
}

bool isDaily(LimitType type) { return type == LimitType::DailyRequests || type == LimitType::DailyAnalysis; }
bool isAnalysis(LimitType type) { return type == LimitType::DailyAnalysis || type == LimitType::MonthlyAnalysis; }

std::optional<std::int64_t> TierLimits::of(LimitType type) const {
  switch (type) {
    case LimitType::DailyRequests: return requestsPerDay;
    case LimitType::MonthlyRequests: return requestsPerMonth;
    case LimitType::DailyAnalysis: return analysisRunsPerDay;
    case LimitType::MonthlyAnalysis: return analysisRunsPerMonth;
  }
  return std::nullopt;
}

namespace {

// Config key -> the field it sets. Keys are snake_case like every other config key.
struct KeyField {
  const char* key;
  std::optional<std::int64_t> TierLimits::*field;
};
const std::vector<KeyField>& keyFields() {
  static const std::vector<KeyField> fields{
      {"requests_per_day", &TierLimits::requestsPerDay},
      {"requests_per_month", &TierLimits::requestsPerMonth},
      {"analysis_runs_per_day", &TierLimits::analysisRunsPerDay},
      {"analysis_runs_per_month", &TierLimits::analysisRunsPerMonth},
  };
  return fields;
}

// Large enough for any real quota, small enough that counter + 1 never overflows a BIGINT.
constexpr std::int64_t kMaxLimit = 1'000'000'000'000;

// A limit is an integer >= 0 or the word "unlimited".
std::optional<std::int64_t> parseLimit(const ConfigNode& node) {
  if (node.isScalar() && node.asString() == "unlimited") return std::nullopt;
  std::int64_t v = node.asInt();
  if (v < 0 || v > kMaxLimit)
    throw ConfigError(node.where(), "must be between 0 and " + std::to_string(kMaxLimit) + " or 'unlimited'");
  return v;
}

}  // namespace

TierTable TierTable::defaults() {
  TierTable t;
  // Free is not in the guide: small enough to make an upgrade worthwhile, large enough to try
  // the product. Operators set their own under tiers.free.
  t.tiers_["free"] = {100, 1'000, 3, 10};
  t.tiers_["startup"] = {1'000, 20'000, 20, 200};
  t.tiers_["enterprise"] = {10'000, 200'000, 500, 5'000};
  t.tiers_["unlimited"] = {std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  return t;
}

void TierTable::validate(const ConfigNode& tiers, ConfigErrors& errors) {
  if (!tiers.defined()) return;
  if (!tiers.isMap()) {
    errors.add(tiers, "expected a map of tier name to limits");
    return;
  }
  static const std::regex namePattern("[a-z0-9_]+");
  TierTable builtIn = defaults();
  for (const auto& name : tiers.keys()) {
    ConfigNode tier = tiers.child(name);
    if (!std::regex_match(name, namePattern)) errors.add(tier, "tier names are [a-z0-9_]+");
    if (!tier.isMap()) {
      errors.add(tier, "expected a map with requests_per_day, requests_per_month, analysis_runs_per_day, "
                       "analysis_runs_per_month");
      continue;
    }
    std::set<std::string> known;
    for (const auto& kf : keyFields()) known.insert(kf.key);
    for (const auto& key : tier.keys())
      if (!known.count(key)) errors.add(tier.child(key), unknownKeyMessage(key, known));
    for (const auto& kf : keyFields()) {
      ConfigNode value = tier.child(kf.key);
      if (!value.defined()) {
        // A new tier has no defaults to fall back on; a silent "no limit" would be a costly typo.
        if (!builtIn.knows(name)) errors.add(value, "is required for a tier without defaults ('" + name + "')");
        continue;
      }
      try {
        parseLimit(value);
      } catch (const ConfigError& e) {
        errors.add(e);
      }
    }
  }
}

TierTable TierTable::fromConfig(const ConfigNode& tiers) {
  TierTable t = defaults();
  for (const auto& name : tiers.keys()) {
    ConfigNode tier = tiers.child(name);
    TierLimits& limits = t.tiers_[name];
    for (const auto& kf : keyFields())
      if (tier.has(kf.key)) limits.*(kf.field) = parseLimit(tier.child(kf.key));
  }
  return t;
}

const TierLimits& TierTable::forTier(const std::string& tier) const {
  auto it = tiers_.find(tier);
  if (it != tiers_.end()) return it->second;
  return tiers_.at(kFreeTier);
}

}  // namespace cc::ratelimit
