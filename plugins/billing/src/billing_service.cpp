#include "billing_service.hpp"

#include "stripe_objects.hpp"

#include <algorithm>
#include <ctime>

namespace cc::billing {

SubscriptionStats StoreBillingService::stats() {
  auto s = db_.session();
  return store_.stats(s);
}

std::optional<SubscriptionInfo> StoreBillingService::subscriptionOf(const std::string& userId) {
  auto s = db_.session();
  auto row = store_.currentSubscription(s, userId);
  if (!row) return std::nullopt;
  SubscriptionInfo info;
  info.id = row->id;
  info.userId = row->userId;
  info.plan = row->plan;
  info.status = row->status;
  info.currentPeriodStart = row->currentPeriodStart;
  info.currentPeriodEnd = row->currentPeriodEnd;
  info.cancelAtPeriodEnd = row->cancelAtPeriodEnd;
  info.createdAt = row->createdAt;
  return info;
}

std::map<std::string, std::int64_t> StoreBillingService::subscriptionsCreatedPerDay(int days) {
  days = std::clamp(days, 1, 3660);
  // From the start of the UTC day `days - 1` days ago, so "1" means today.
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  std::int64_t since = (now / 86400 - (days - 1)) * 86400;
  auto s = db_.session();
  return store_.createdPerDay(s, isoFromUnix(since));
}

}  // namespace cc::billing
