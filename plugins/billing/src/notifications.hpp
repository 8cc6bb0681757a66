#pragma once
// Plain-text emails for the billing events (the dunning ones: dunning.hpp). Each is keyed "stripe:<event id>", so a
// redelivered webhook never queues a second copy.
#include <codecouncil/sdk/mailer.hpp>
#include <codecouncil/billing/contract.hpp>

#include <cstdint>
#include <string>

namespace cc::billing::mail {

std::string dedupeKey(const std::string& eventId);

Mail subscriptionCreated(const std::string& to, const std::string& eventId, const Plan& plan, const std::string& status);
Mail subscriptionUpdated(const std::string& to, const std::string& eventId, const Plan& plan, const Plan* previousPlan,
                         const std::string& status, bool cancelAtPeriodEnd, const std::string& periodEnd);
Mail subscriptionCanceled(const std::string& to, const std::string& eventId, const Plan* plan);
Mail paymentSucceeded(const std::string& to, const std::string& eventId, std::int64_t amountCents,
                      const std::string& currency, const Plan* plan, std::int64_t creditsGranted);
/// `billingPageUrl`: the app's billing page, whose "Manage billing" opens a fresh Stripe
/// portal session (a portal URL itself expires within minutes, too soon for a mail).
Mail paymentFailed(const std::string& to, const std::string& eventId, std::int64_t amountCents,
                   const std::string& currency, const std::string& errorCode, const std::string& billingPageUrl);

/// 4900, "usd" -> "49.00 USD"
std::string money(std::int64_t cents, const std::string& currency);

}  // namespace cc::billing::mail
