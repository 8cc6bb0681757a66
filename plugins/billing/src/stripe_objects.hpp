#pragma once
// The parts of Stripe's subscription, invoice and checkout session objects billing uses,
// read from either field layout (before and after API 2025-03-31.basil moved them).
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cc::billing {

struct StripeSubscription {
  std::string id;
  std::string customerId;
  std::string status;
  std::string priceId;       ///< items.data[0].price.id
  std::string itemId;        ///< items.data[0].id, needed to change the plan
  std::int64_t currentPeriodStart = 0;  ///< unix seconds; 0 when absent
  std::int64_t currentPeriodEnd = 0;
  bool cancelAtPeriodEnd = false;
  std::int64_t canceledAt = 0;
  std::string metadataUserId;  ///< metadata.user_id, set when we create it
  std::string clientSecret;    ///< latest_invoice.confirmation_secret (or payment_intent) client_secret
};

struct StripeInvoice {
  std::string id;
  std::string customerId;
  std::string subscriptionId;  ///< `subscription`, or parent.subscription_details.subscription
  std::string priceId;         ///< of the first line, when present
  std::int64_t amountPaid = 0;
  std::int64_t amountDue = 0;
  std::string currency;
  std::string billingReason;   ///< subscription_create, subscription_cycle, subscription_update, ...
  std::string errorCode;       ///< why a payment failed, when Stripe says
};

struct StripeCheckoutSession {
  std::string id;
  std::string customerId;
  std::string subscriptionId;
  std::string clientReferenceId;  ///< our user id
};

StripeSubscription parseSubscription(const json::ObjectPtr& o);
StripeInvoice parseInvoice(const json::ObjectPtr& o);
StripeCheckoutSession parseCheckoutSession(const json::ObjectPtr& o);

/// The eight statuses Stripe has.
bool isKnownStatus(const std::string& status);
/// Access (and the paid tier) while active or trialing; a subscription set to cancel at the
/// period end stays active in Stripe until then.
bool statusGivesAccess(const std::string& status);
/// canceled and incomplete_expired never change again.
bool statusIsTerminal(const std::string& status);

/// 1736899200 -> "2025-01-15T00:00:00.000Z"
std::string isoFromUnix(std::int64_t seconds);
std::int64_t unixFromIso(const std::string& iso);

namespace field {
std::string str(const json::ObjectPtr& o, const std::string& key);
std::int64_t integer(const json::ObjectPtr& o, const std::string& key);
bool boolean(const json::ObjectPtr& o, const std::string& key);
json::ObjectPtr object(const json::ObjectPtr& o, const std::string& key);
/// A field that is either an id string or an expanded object with an "id".
std::string idOf(const json::ObjectPtr& o, const std::string& key);
/// data[0] of a Stripe list object ({"object":"list","data":[...]}) at `key`.
json::ObjectPtr firstListItem(const json::ObjectPtr& o, const std::string& key);
}  // namespace field

/// An event's or object's `livemode` (true: live mode); nullopt when it is absent or not a
/// JSON boolean.
std::optional<bool> livemodeOf(const json::ObjectPtr& o);
/// "live" or "test", for log lines.
inline const char* modeName(bool livemode) { return livemode ? "live" : "test"; }

}  // namespace cc::billing
