#include "change_preview_route.hpp"

#include "stripe_call.hpp"
#include "stripe_objects.hpp"
#include "upgrade_credits.hpp"

#include <codecouncil/billing/events.hpp>

#include <ctime>

namespace cc::billing {

void ChangePreviewRoute::handle(Request& req, Response& res) {
  const User& user = req.requireUser();
  if (!client_) throw HttpError(503, "billing is not configured");
  auto body = req.jsonBody();
  auto change = routes_.planChange(user, body, "planId");
  const SubscriptionRow& sub = change.subscription;

  // The change as of now: the proration date goes to Stripe and back to the caller, who may
  // pass it to change-plan so Stripe prorates as of the same second.
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  auto preview = stripeCall(log_, "preview plan change", [&] {
    return client_->post("/v1/invoices/create_preview",
                         FormBody()
                             .add("customer", sub.customerId)
                             .add("subscription", sub.id)
                             .add({"subscription_details", "items", "0", "id"}, change.itemId)
                             .add({"subscription_details", "items", "0", "price"}, change.plan->priceId)
                             .add({"subscription_details", "proration_behavior"}, config_.prorationBehavior)
                             .add({"subscription_details", "proration_date"}, std::to_string(now)));
  });
  if (!preview || field::str(preview, "object") != "invoice")
    throw HttpError(502, "payment provider returned a preview that is not an invoice");
  UpgradeCredits upgrade = upgradeCredits(prorationLines(preview), config_.plans, knownPeriodOf(sub));

  std::string currency = field::str(preview, "currency");
  auto out = json::object();
  out->set("planId", change.plan->id);
  out->set("amountDueCents", field::integer(preview, "amount_due"));
  out->set("currency", currency.empty() ? change.plan->currency : currency);
  out->set("creditsGranted", upgrade.credits);
  out->set("effectiveAt", isoFromUnix(now));

  auto audit = json::object();
  audit->set("userId", user.id);
  audit->set("subscriptionId", sub.id);
  audit->set("planId", change.plan->id);
  audit->set("previousPlanId", sub.plan);
  audit->set("amountDueCents", field::integer(preview, "amount_due"));
  audit->set("creditsGranted", upgrade.credits);
  events_.publish(topics::kChangePreviewed, audit, req);
  res.json(200, out);
}

}  // namespace cc::billing
