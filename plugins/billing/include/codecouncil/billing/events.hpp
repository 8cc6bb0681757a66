#pragma once
// billing's events: the topics the billing plugin declares at start (only billing may publish
// them) and their payload fields. Part of billing's contract (CodeCouncil::billing_contract):
// subscribers name topics through these constants, not literals. Each is published after the
// transaction that wrote its change has committed.
#include <codecouncil/sdk/events.hpp>

namespace cc::billing::topics {

inline const TopicSpec kSubscriptionCreated{
    "subscription_created",
    {{"userId", FieldType::String, true}, {"subscriptionId", FieldType::String, true},
     {"plan", FieldType::String, true}, {"status", FieldType::String, true}},
    "a Stripe subscription was created for a user",
    Severity::Info, EventResource{"subscription", "subscriptionId"}};

inline const TopicSpec kSubscriptionUpdated{
    "subscription_updated",
    {{"userId", FieldType::String, true}, {"subscriptionId", FieldType::String, true},
     {"plan", FieldType::String, true}, {"previousPlan", FieldType::String, false},
     {"status", FieldType::String, true}},
    "a subscription changed plan or status",
    Severity::Info, EventResource{"subscription", "subscriptionId"}};

inline const TopicSpec kSubscriptionCanceled{
    "subscription_canceled",
    {{"userId", FieldType::String, true}, {"subscriptionId", FieldType::String, true},
     {"plan", FieldType::String, true}, {"atPeriodEnd", FieldType::Boolean, true}},
    "a subscription was canceled",
    Severity::Info, EventResource{"subscription", "subscriptionId"}};

inline const TopicSpec kPaymentSucceeded{
    "payment_succeeded",
    {{"userId", FieldType::String, true}, {"invoiceId", FieldType::String, true},
     {"amount", FieldType::Integer, true}, {"currency", FieldType::String, true},
     {"plan", FieldType::String, false}},
    "an invoice was paid (amount in integer cents)",
    Severity::Info, EventResource{"payment", "invoiceId"}};

inline const TopicSpec kPaymentFailed{
    "payment_failed",
    {{"userId", FieldType::String, true}, {"invoiceId", FieldType::String, true},
     {"amount", FieldType::Integer, true}, {"errorCode", FieldType::String, true}},
    "an invoice payment failed (amount in integer cents; errorCode is Stripe's decline code)",
    Severity::Error, EventResource{"payment", "invoiceId"}};

inline const TopicSpec kCreditsGranted{
    "credits_granted",
    {{"userId", FieldType::String, true}, {"amount", FieldType::Integer, true},
     {"reference", FieldType::String, true}},
    "analysis credits were granted (invoice, annual month or credit pack)",
    Severity::Info, EventResource{"payment", "reference"}};

inline const TopicSpec kReconcileStopped{
    "billing_reconcile_stopped",
    {{"reason", FieldType::String, true}, {"livemode", FieldType::Boolean, true},
     {"accountId", FieldType::String, false}, {"missing", FieldType::Integer, true},
     {"message", FieldType::String, true}},
    "the reconciler refused a Stripe key that looks like another account's or mode's",
    Severity::Critical, EventResource{"system", ""}};

inline const TopicSpec kChangePreviewed{
    "billing.change_previewed",
    {{"userId", FieldType::String, true}, {"subscriptionId", FieldType::String, true},
     {"planId", FieldType::String, true}, {"previousPlanId", FieldType::String, true},
     {"amountDueCents", FieldType::Integer, true}, {"creditsGranted", FieldType::Integer, true}},
    "a user previewed a plan change (POST /api/subscriptions/preview-change); nothing changed",
    Severity::Info, EventResource{"subscription", "subscriptionId"}};

// Self-service (docs/billing.md): every route a user calls about their own billing is on the
// audit trail, the reads too (who looked at which invoices, and when).
inline const TopicSpec kPortalSessionCreated{
    "billing.portal_session_created",
    {{"userId", FieldType::String, true}},
    "a Stripe Billing Portal session was created for the user (POST /api/subscriptions/portal)",
    Severity::Info, EventResource{"payment", ""}};

inline const TopicSpec kInvoicesListed{
    "billing.invoices_listed",
    {{"userId", FieldType::String, true}, {"count", FieldType::Integer, true}},
    "a user read a page of their Stripe invoices (GET /api/subscriptions/invoices)",
    Severity::Info, EventResource{"payment", ""}};

inline const TopicSpec kCreditsListed{
    "billing.credits_listed",
    {{"userId", FieldType::String, true}, {"count", FieldType::Integer, true}},
    "a user read a page of their credit ledger (GET /api/credits)",
    Severity::Info, EventResource{"payment", ""}};

inline const TopicSpec kCreditPacksListed{
    "billing.credit_packs_listed",
    {{"userId", FieldType::String, true}, {"count", FieldType::Integer, true}},
    "a user read the credit packs on sale (GET /api/credits/packs)",
    Severity::Info, EventResource{"payment", ""}};

inline const TopicSpec kCreditPackCheckoutCreated{
    "billing.credit_pack_checkout_created",
    {{"userId", FieldType::String, true}, {"pack", FieldType::String, true},
     {"credits", FieldType::Integer, true}, {"checkoutSessionId", FieldType::String, true}},
    "a Stripe Checkout session (mode=payment) was created for a credit pack; credits follow its payment",
    Severity::Info, EventResource{"payment", "checkoutSessionId"}};

// Dunning (docs/billing.md, "Dunning"): a renewal that needs the customer's authentication,
// and a subscription that lapsed for non-payment (status "unpaid" or "canceled").
inline const TopicSpec kPaymentActionRequired{
    "billing.payment_action_required",
    {{"userId", FieldType::String, true}, {"invoiceId", FieldType::String, true},
     {"amount", FieldType::Integer, true}, {"mailed", FieldType::Boolean, true}},
    "a renewal payment waits for the customer to authenticate it (3-D Secure); mailed: the hosted invoice link was mailed",
    Severity::Warning, EventResource{"payment", "invoiceId"}};

inline const TopicSpec kSubscriptionLapsed{
    "billing.subscription_lapsed",
    {{"userId", FieldType::String, true}, {"subscriptionId", FieldType::String, true},
     {"plan", FieldType::String, true}, {"status", FieldType::String, true}},
    "a subscription lapsed after failed payments (status unpaid or canceled); the user is on the free tier",
    Severity::Warning, EventResource{"subscription", "subscriptionId"}};

inline const std::vector<TopicSpec>& all() {
  static const std::vector<TopicSpec> topics{kSubscriptionCreated, kSubscriptionUpdated, kSubscriptionCanceled,
                                             kPaymentSucceeded,    kPaymentFailed,       kCreditsGranted,
                                             kReconcileStopped,    kChangePreviewed,     kCreditPacksListed,
                                             kCreditPackCheckoutCreated, kPaymentActionRequired, kSubscriptionLapsed,
                                             kPortalSessionCreated, kInvoicesListed,       kCreditsListed};
  return topics;
}

}  // namespace cc::billing::topics
