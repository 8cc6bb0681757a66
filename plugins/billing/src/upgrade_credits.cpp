#include "upgrade_credits.hpp"

#include "annual_grants.hpp"
#include "stripe_objects.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <map>

namespace cc::billing {
namespace {

bool isProration(const json::ObjectPtr& line) {
  if (field::boolean(line, "proration")) return true;  // before basil
  auto details = field::object(field::object(line, "parent"), "subscription_item_details");
  return field::boolean(details, "proration");
}

std::string priceOf(const json::ObjectPtr& line) {
  std::string price = field::idOf(line, "price");
  if (price.empty()) price = field::idOf(field::object(field::object(line, "pricing"), "price_details"), "price");
  return price;
}

struct CreditMonth {
  std::int64_t start = 0, end = 0;
};

/// The month of credits that `changeAt` falls in (see the header).
CreditMonth creditMonthOf(std::int64_t changeAt, std::int64_t periodEnd, const Plan& newPlan, KnownPeriod known) {
  const bool annual = newPlan.interval == "year";
  std::int64_t start = known.start;
  if (known.end != periodEnd || known.start <= 0 || known.start >= known.end)
    start = addMonths(periodEnd, annual ? -12 : -1);
  if (!annual) return {start, periodEnd};
  for (int k = 0; k < 12; ++k) {
    std::int64_t monthEnd = std::min(addMonths(start, k + 1), periodEnd);
    if (changeAt < monthEnd || k == 11) return {addMonths(start, k), monthEnd};
  }
  return {start, periodEnd};
}

}  // namespace

std::vector<ProrationLine> prorationLines(const json::ObjectPtr& invoice) {
  std::vector<ProrationLine> out;
  auto lines = field::object(invoice, "lines");
  auto data = lines ? lines->getArray("data") : nullptr;  // null unless an array
  for (std::size_t i = 0; data && i < data->size(); ++i) {
    if (!data->isObject(static_cast<unsigned>(i))) continue;
    auto line = data->getObject(static_cast<unsigned>(i));
    if (!isProration(line)) continue;
    auto period = field::object(line, "period");
    ProrationLine p{priceOf(line), field::integer(line, "amount"), field::integer(period, "start"),
                    field::integer(period, "end")};
    if (p.priceId.empty() || p.periodStart <= 0 || p.periodEnd <= p.periodStart) continue;
    out.push_back(std::move(p));
  }
  return out;
}

std::string newPeriodPriceOf(const json::ObjectPtr& invoice) {
  auto lines = field::object(invoice, "lines");
  auto data = lines ? lines->getArray("data") : nullptr;
  for (std::size_t i = 0; data && i < data->size(); ++i) {
    if (!data->isObject(static_cast<unsigned>(i))) continue;
    auto line = data->getObject(static_cast<unsigned>(i));
    if (!isProration(line)) return priceOf(line);
  }
  return "";
}

KnownPeriod knownPeriodOf(const std::optional<SubscriptionRow>& row) {
  if (!row) return {};
  return {unixFromIso(row->currentPeriodStart), unixFromIso(row->currentPeriodEnd)};
}

UpgradeCredits upgradeCredits(const std::vector<ProrationLine>& lines, const PlanCatalog& plans, KnownPeriod period) {
  // One change is a pair of lines with the same period: unused time on the old price
  // (negative) and the same time on the new one (positive).
  struct Change {
    const ProrationLine* from = nullptr;
    const ProrationLine* to = nullptr;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, Change> changes;
  for (const auto& line : lines) {
    auto& change = changes[{line.periodStart, line.periodEnd}];
    if (line.amount < 0 && !change.from) change.from = &line;
    if (line.amount > 0 && !change.to) change.to = &line;
  }
  UpgradeCredits out;
  for (const auto& [when, change] : changes) {
    out.effectiveAt = std::max(out.effectiveAt, when.first);
    if (!change.from || !change.to) continue;  // an interval change or a quantity change
    const Plan* from = plans.byPriceId(change.from->priceId);
    const Plan* to = plans.byPriceId(change.to->priceId);
    if (!from || !to || to->creditsPerMonth <= from->creditsPerMonth) continue;  // not an upgrade
    CreditMonth month = creditMonthOf(when.first, when.second, *to, period);
    std::int64_t length = month.end - month.start;
    std::int64_t unused = month.end - std::clamp(when.first, month.start, month.end);
    if (length <= 0) continue;
    // At most 1e8 credits (config bound) times a year of seconds: far inside 64 bits.
    out.credits += (to->creditsPerMonth - from->creditsPerMonth) * unused / length;
  }
  return out;
}

std::string upgradeReference(const std::string& invoiceId) { return "upgrade:" + invoiceId; }

std::int64_t grantUpgradeCredits(Poco::Data::Session& s, SqlCreditLedger& ledger, const PlanCatalog& plans,
                                 const std::string& userId, const json::ObjectPtr& invoice,
                                 const std::optional<SubscriptionRow>& subscription) {
  std::string invoiceId = field::str(invoice, "id");
  if (invoiceId.empty()) return 0;
  UpgradeCredits upgrade = upgradeCredits(prorationLines(invoice), plans, knownPeriodOf(subscription));
  if (upgrade.credits <= 0) return 0;
  std::string subscriptionId = subscription ? subscription->id : parseInvoice(invoice).subscriptionId;
  bool written = ledger.grant(s, userId, upgrade.credits, upgradeReference(invoiceId),
                              "plan upgrade credits (invoice " + invoiceId + ")", subscriptionId);
  return written ? upgrade.credits : 0;
}

}  // namespace cc::billing
