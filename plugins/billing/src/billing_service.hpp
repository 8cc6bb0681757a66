#pragma once
// cc::billing::BillingService for admin and metrics: plans, live subscription figures and a
// user's subscription.
#include "billing_store.hpp"
#include "plans.hpp"

#include <codecouncil/billing/contract.hpp>

namespace cc::billing {

class StoreBillingService : public BillingService {
 public:
  StoreBillingService(Database& db, BillingStore& store, const PlanCatalog& plans) : db_(db), store_(store), plans_(plans) {}
  std::vector<Plan> plans() const override { return plans_.all(); }
  SubscriptionStats stats() override;
  std::optional<SubscriptionInfo> subscriptionOf(const std::string& userId) override;
  std::map<std::string, std::int64_t> subscriptionsCreatedPerDay(int days) override;

 private:
  Database& db_;
  BillingStore& store_;
  const PlanCatalog& plans_;
};

}  // namespace cc::billing
