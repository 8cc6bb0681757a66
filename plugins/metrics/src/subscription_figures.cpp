#include "subscription_figures.hpp"

#include "label_bounds.hpp"

namespace cc::metrics {

SubscriptionSnapshot snapshotFrom(const std::vector<cc::billing::Plan>& plans,
                                  const cc::billing::SubscriptionStats& stats) {
  SubscriptionSnapshot s;
  s.active = static_cast<double>(stats.active);
  for (auto& tier : kAmountTiers) s.mrrCentsByAmountTier[tier] = 0;

  std::map<std::string, double> listMrr;
  double listTotal = 0;
  for (auto& plan : plans) {
    auto count = stats.byPlan.find(plan.id);
    if (count == stats.byPlan.end() || count->second <= 0) continue;
    double monthly = plan.interval == "year" ? plan.amountCents / 12.0 : static_cast<double>(plan.amountCents);
    double mrr = monthly * static_cast<double>(count->second);
    listMrr[amountTier(plan.amountCents)] += mrr;
    listTotal += mrr;
  }
  double total = static_cast<double>(stats.mrrCents);
  if (listTotal > 0) {
    for (auto& [tier, mrr] : listMrr) s.mrrCentsByAmountTier[tier] = total * (mrr / listTotal);
  } else if (total != 0) {
    s.mrrCentsByAmountTier[kUnknownLabel] = total;
  }
  return s;
}

void SubscriptionFigures::set(std::optional<SubscriptionSnapshot> snapshot) {
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(snapshot);
}

std::optional<SubscriptionSnapshot> SubscriptionFigures::get() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

}  // namespace cc::metrics
