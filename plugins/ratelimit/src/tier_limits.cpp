#include "tier_limits.hpp"

#include <regex>
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

void TierTable::describe(ConfigReader& r, TierTable& table) {
  static const std::regex namePattern("[a-z0-9_]+");
  const TierTable builtIn = defaults();
  r.mapOf<TierLimits>("tiers", table.tiers_, [builtIn](ConfigReader& tier, const std::string& name, TierLimits& limits) {
    // A new tier has no defaults to fall back on; a silent "no limit" would be a costly typo.
    const bool required = !builtIn.knows(name);
    for (const auto& kf : keyFields()) {
      std::optional<std::int64_t>& field = limits.*(kf.field);
      tier.value(kf.key, [&field](const ConfigNode& n, ConfigErrors&) { field = parseLimit(n); });
    }
    tier.check([name, required](const ConfigNode& node, ConfigErrors& errors) {
      if (!std::regex_match(name, namePattern)) errors.add(node, "tier names are [a-z0-9_]+");
      if (!required) return;
      for (const auto& kf : keyFields())
        if (!node.has(kf.key)) errors.add(node[kf.key], "is required for a tier without defaults ('" + name + "')");
    });
  });
}

const TierLimits& TierTable::forTier(const std::string& tier) const {
  auto it = tiers_.find(tier);
  if (it != tiers_.end()) return it->second;
  return tiers_.at(kFreeTier);
}

}  // namespace cc::ratelimit
