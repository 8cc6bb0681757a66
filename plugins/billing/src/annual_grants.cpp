#include "annual_grants.hpp"

#include "stripe_objects.hpp"

#include <codecouncil/billing/events.hpp>

#include <Poco/DateTime.h>
#include <Poco/Timestamp.h>

#include <algorithm>

namespace cc::billing {

std::int64_t addMonths(std::int64_t unixSeconds, int months) {
  Poco::DateTime start{Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(unixSeconds))};
  int monthIndex = start.year() * 12 + (start.month() - 1) + months;
  int year = monthIndex / 12, month = monthIndex % 12 + 1;
  int day = std::min(start.day(), Poco::DateTime::daysOfMonth(year, month));
  Poco::DateTime shifted(year, month, day, start.hour(), start.minute(), start.second());
  return static_cast<std::int64_t>(shifted.timestamp().epochTime());
}

int AnnualGrants::run(std::int64_t nowUnix) {
  std::vector<SubscriptionRow> rows;
  {
    auto s = db_.session();
    rows = store_.annualSubscriptionsWithAccess(s);
  }
  int granted = 0;
  for (auto& row : rows) {
    const Plan* plan = plans_.byId(row.plan);
    std::int64_t start = unixFromIso(row.currentPeriodStart), end = unixFromIso(row.currentPeriodEnd);
    if (!plan || start <= 0) continue;
    // Month 0 came with the invoice; months 1..11 of the paid year come from here.
    for (int k = 1; k < 12; ++k) {
      std::int64_t due = addMonths(start, k);
      if (due > nowUnix || (end > 0 && due >= end)) break;
      std::string month = isoFromUnix(due).substr(0, 7);
      std::string reference = "annual:" + row.id + ":" + month;
      bool written = db_.transaction([&](Poco::Data::Session& s) {
        return ledger_.grant(s, row.userId, plan->creditsPerMonth, reference, plan->name + " credits for " + month, row.id);
      });
      if (!written) continue;
      ++granted;
      log_.information("granted %d credits to user %s for %s (%s)", static_cast<int>(plan->creditsPerMonth), row.userId,
                       month, row.id);
      if (events_) {
        auto payload = json::object();
        payload->set("userId", row.userId);
        payload->set("amount", plan->creditsPerMonth);
        payload->set("reference", reference);
        events_->publish(topics::kCreditsGranted, payload);
      }
    }
  }
  return granted;
}

}  // namespace cc::billing
