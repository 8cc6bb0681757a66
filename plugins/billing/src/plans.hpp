#pragma once
// The four subscription plans: ids, names, prices and credits from the enterprise guide;
// Stripe price ids (and, if ever needed, the other figures) from the plugin config.
#include <codecouncil/sdk/config_reader.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/billing/contract.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cc::billing {

/// The guide's plans, with price ids from STRIPE_PRICE_* (falling back to the guide's ids).
std::vector<Plan> defaultPlans();

class PlanCatalog {
 public:
  PlanCatalog() = default;
  explicit PlanCatalog(std::vector<Plan> plans) : plans_(std::move(plans)) {}

  const std::vector<Plan>& all() const { return plans_; }
  const Plan* byId(const std::string& id) const;
  const Plan* byPriceId(const std::string& priceId) const;
  /// The plan's free trial in days (config `plans.<id>.trial_days`, Stripe's trial_period_days);
  /// 0: none. Kept here, not in Plan, so billing's contract (Plan's layout) stays as it is.
  std::int64_t trialDays(const std::string& planId) const;

  /// Declares the plugin config's optional `plans:` map ({<plan id>: {price_id, name,
  /// amount_cents, credits_per_month, trial_days}}), bound into `catalog` on top of defaultPlans().
  static void describe(ConfigReader& r, PlanCatalog& catalog);

 private:
  std::vector<Plan> plans_;
  std::map<std::string, std::int64_t> trialDays_;  ///< by plan id; absent: 0
};

/// {id, name, priceId, creditsPerMonth, price, amountCents, currency, interval, tier}
json::ObjectPtr planJson(const Plan& plan);

/// The rate-limit tier a set of plans gives: the highest of them, "free" for none.
std::string tierFor(const std::vector<const Plan*>& plans);

}  // namespace cc::billing
