#pragma once
// Webhook deliveries the way Stripe makes them: event JSON in either API layout, signed
// with `Stripe-Signature: t=<unix>,v1=<hmac>`.
#include <cstdint>
#include <string>

namespace cc::billing::test {

/// "t=<t>,v1=<hex HMAC-SHA256 of '<t>.<payload>'>" (an implementation separate from the
/// plugin's, so a shared mistake cannot hide).
std::string signatureHeader(const std::string& payload, const std::string& secret, std::int64_t timestamp);
std::int64_t nowUnix();

struct SubscriptionFixture {
  std::string id = "sub_1";
  std::string customer = "cus_1";
  std::string status = "active";
  std::string priceId = "price_startup_monthly";
  std::string itemId = "si_1";
  std::int64_t periodStart = 1736899200;  // 2025-01-15T00:00:00Z
  std::int64_t periodEnd = 1739577600;    // 2025-02-15T00:00:00Z
  bool cancelAtPeriodEnd = false;
  std::string userId;                     // metadata.user_id, when set
  bool legacyLayout = false;              // periods on the subscription (before API 2025-03-31.basil)
};

struct InvoiceFixture {
  std::string id = "in_1";
  std::string customer = "cus_1";
  std::string subscription = "sub_1";
  std::string priceId = "price_startup_monthly";
  std::int64_t amountPaid = 4900;
  std::int64_t amountDue = 4900;
  std::string currency = "usd";
  std::string billingReason = "subscription_cycle";
  std::string declineCode;                // for payment_failed
  bool legacyLayout = false;              // `subscription` at top level instead of parent.subscription_details
};

std::string subscriptionEvent(const std::string& eventId, const std::string& type, std::int64_t created,
                              const SubscriptionFixture& s);
std::string invoiceEvent(const std::string& eventId, const std::string& type, std::int64_t created,
                         const InvoiceFixture& i);
/// An event of any type around a raw JSON object text.
std::string rawEvent(const std::string& eventId, const std::string& type, std::int64_t created,
                     const std::string& objectJson);

}  // namespace cc::billing::test
