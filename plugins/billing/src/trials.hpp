#pragma once
// Free trials: how many days a user gets on a plan, and the trial end Stripe reports, kept in
// "Subscription"."trialEnd" (ISO-8601 UTC, NULL when the subscription has no trial).
//
// One trial per user: whoever has had a subscription of ours before, in any status (even one
// that never got paid or was canceled in its trial), subscribes without one. That is what
// Stripe's own Checkout and most SaaS do, and it stops cancel-and-resubscribe from chaining
// trials forever.
#include "plans.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/json.hpp>

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>

namespace cc::billing::trials {

/// The trial days `userId` gets on `planId` now: the plan's trial_days, or 0 when the plan has
/// none or the user has had a subscription before.
std::int64_t daysFor(Database& db, const PlanCatalog& plans, const std::string& planId, const std::string& userId);

/// `trial_end` of a Stripe subscription object (unix seconds), 0 when it has none.
std::int64_t trialEndOf(const json::ObjectPtr& subscription);

/// The client secret of the SetupIntent Stripe opens for a trial that needs no payment yet
/// (the subscription's expanded pending_setup_intent), "" when there is none.
std::string setupIntentSecretOf(const json::ObjectPtr& subscription);

/// Writes the trial end a webhook event reported; call it only when that event's row update
/// was applied (BillingStore::upsertFromEvent returned true), so it follows the same order.
void saveFromEvent(Poco::Data::Session& s, Database& db, const std::string& subscriptionId, std::int64_t trialEnd);
/// Writes the trial end from the API's answer to create, unless a webhook event has written
/// the row already (its state is newer).
void saveFromApi(Poco::Data::Session& s, Database& db, const std::string& subscriptionId, std::int64_t trialEnd);
/// The stored trial end, "" when none.
std::string storedTrialEnd(Poco::Data::Session& s, Database& db, const std::string& subscriptionId);

}  // namespace cc::billing::trials
