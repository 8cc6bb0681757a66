#pragma once
// subscriptions_active and subscription_mrr_amount{amount_tier}, from the billing plugin's
// BillingService. Read by a job, never by the scrape itself, so /metrics (a public route)
// cannot be used to put load on the database.
#include <codecouncil/billing/contract.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cc::metrics {

struct SubscriptionSnapshot {
  double active = 0;
  /// Monthly recurring revenue in cents, split by the amount tier of each plan's price (the
  /// same label as stripe_payment_succeeded_total, so the guide's
  /// `rate(stripe_payment_succeeded_total[30d]) * subscription_mrr_amount` matches series).
  /// Every tier is present; the values add up to BillingService's mrrCents.
  std::map<std::string, double> mrrCentsByAmountTier;
};

/// Splits stats.mrrCents over amount tiers in proportion to each plan's list price times its
/// active subscriptions (billing's figure stays the total: discounts and plans missing from
/// plans() cannot make the sum drift). MRR that no known plan explains goes to "unknown".
SubscriptionSnapshot snapshotFrom(const std::vector<cc::billing::Plan>& plans,
                                  const cc::billing::SubscriptionStats& stats);

class SubscriptionFigures {
 public:
  /// Replaces the snapshot; nullopt (billing absent or failing) removes the gauges.
  void set(std::optional<SubscriptionSnapshot> snapshot);
  std::optional<SubscriptionSnapshot> get() const;

 private:
  mutable std::mutex mutex_;
  std::optional<SubscriptionSnapshot> snapshot_;
};

}  // namespace cc::metrics
