#pragma once
// Upgrade credits: what a mid-period plan upgrade adds to the month's credits. One computation
// for both the preview (POST /api/subscriptions/preview-change, on Stripe's invoice preview)
// and the grant (the paid proration invoice), so the two can never disagree.
//
// Stripe bills a plan change with a pair of proration lines per change: a negative line for
// the unused time on the old price and a positive one for the same time on the new price, both
// with period = [change time, period end]. Per pair:
//
//   credits = floor((new.creditsPerMonth - old.creditsPerMonth) * unused / monthLength)
//
// where the "credit month" is the month the change falls in: for a monthly plan its billing
// period, for an annual plan the month of the annual credit schedule (annual_grants.hpp), whose
// later months already follow the new plan. unused = credit month end - change time. A pair
// that is not an upgrade (fewer or equal credits) counts 0: a downgrade grants nothing and takes
// nothing back. A change of interval (monthly <-> annual) has no positive proration line (Stripe
// starts a new period and bills it in full), so it counts 0 here too. Integer arithmetic only.
#include "billing_store.hpp"
#include "credit_ledger.hpp"
#include "plans.hpp"

#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::billing {

/// One line of an invoice (or invoice preview) that Stripe marks as a proration, from either
/// layout: `proration` and `price` on the line (before API 2025-03-31.basil), or
/// `parent.subscription_item_details.proration` and `pricing.price_details.price` (basil).
struct ProrationLine {
  std::string priceId;
  std::int64_t amount = 0;       ///< cents; negative for unused time on the old price
  std::int64_t periodStart = 0;  ///< unix seconds: the change time
  std::int64_t periodEnd = 0;    ///< unix seconds: the end of the subscription's period
};

std::vector<ProrationLine> prorationLines(const json::ObjectPtr& invoice);

struct UpgradeCredits {
  std::int64_t credits = 0;      ///< 0 when nothing is an upgrade
  std::int64_t effectiveAt = 0;  ///< the change time of the (last) change, 0 without proration lines
};

/// The subscription's current period as we know it, to find the credit month; {0, 0} when
/// unknown. It is used only when it ends where the proration lines end; otherwise the period
/// is derived from the lines' end and the new plan's interval.
struct KnownPeriod {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
KnownPeriod knownPeriodOf(const std::optional<SubscriptionRow>& row);

UpgradeCredits upgradeCredits(const std::vector<ProrationLine>& lines, const PlanCatalog& plans, KnownPeriod period);

/// Grants the upgrade credits of a paid invoice, keyed "upgrade:<invoice id>", in the caller's
/// transaction. Returns what was granted now (0: nothing to grant, or granted before).
std::int64_t grantUpgradeCredits(Poco::Data::Session& s, SqlCreditLedger& ledger, const PlanCatalog& plans,
                                 const std::string& userId, const json::ObjectPtr& invoice,
                                 const std::optional<SubscriptionRow>& subscription);

/// The price of the invoice's first line that is not a proration ("" when every line is one).
/// On a `subscription_update` invoice such a line bills a whole new period: Stripe starts one
/// when a change moves to another interval (monthly <-> annual), so that invoice grants the new
/// period's first month like a first invoice does.
std::string newPeriodPriceOf(const json::ObjectPtr& invoice);

/// "upgrade:<invoice id>"
std::string upgradeReference(const std::string& invoiceId);

}  // namespace cc::billing
