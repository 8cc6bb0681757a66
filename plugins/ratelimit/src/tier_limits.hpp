#pragma once
// Per-tier limits: the guide's defaults, overridden key by key from the plugin config.
#include <codecouncil/sdk/config_reader.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace cc::ratelimit {

/// The four windows a request can be counted in. The names are the `limit_type` values of the
/// rate_limit_exceeded event (docs/events.md).
enum class LimitType { DailyRequests, MonthlyRequests, DailyAnalysis, MonthlyAnalysis };

const char* limitTypeName(LimitType type);
bool isDaily(LimitType type);
bool isAnalysis(LimitType type);

/// std::nullopt means "no limit" for that window.
struct TierLimits {
  std::optional<std::int64_t> requestsPerDay;
  std::optional<std::int64_t> requestsPerMonth;
  std::optional<std::int64_t> analysisRunsPerDay;
  std::optional<std::int64_t> analysisRunsPerMonth;

  std::optional<std::int64_t> of(LimitType type) const;
};

/// The tier used for users whose tier is not configured, and the free plan's name.
inline constexpr const char* kFreeTier = "free";

class TierTable {
 public:
  /// free, startup, enterprise and unlimited with the documented defaults.
  static TierTable defaults();
  /// Declares the plugin config's `tiers` key, a map of tier name to limits, bound into
  /// `table` (the defaults, overridden key by key; a new tier must give all four limits).
  static void describe(ConfigReader& r, TierTable& table);

  /// The limits of `tier`; the free tier's when `tier` is not configured.
  const TierLimits& forTier(const std::string& tier) const;
  bool knows(const std::string& tier) const { return tiers_.count(tier) > 0; }
  const std::map<std::string, TierLimits>& all() const { return tiers_; }

 private:
  std::map<std::string, TierLimits> tiers_;
};

}  // namespace cc::ratelimit
