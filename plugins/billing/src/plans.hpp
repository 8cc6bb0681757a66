#pragma once
// The four subscription plans: ids, names, prices and credits from the enterprise guide;
// Stripe price ids (and, if ever needed, the other figures) from the plugin config.
#include <codecouncil/sdk/config_reader.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/billing/contract.hpp>

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

  /// Declares the plugin config's optional `plans:` map ({<plan id>: {price_id, name,
  /// amount_cents, credits_per_month}}), bound into `catalog` on top of defaultPlans().
  static void describe(ConfigReader& r, PlanCatalog& catalog);

 private:
  std::vector<Plan> plans_;
};

/// {id, name, priceId, creditsPerMonth, price, amountCents, currency, interval, tier}
json::ObjectPtr planJson(const Plan& plan);

/// The rate-limit tier a set of plans gives: the highest of them, "free" for none.
std::string tierFor(const std::vector<const Plan*>& plans);

}  // namespace cc::billing
