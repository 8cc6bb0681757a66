#pragma once
// Applies one verified Stripe event exactly once.
//
// The event id is inserted into stripe_events in the same database transaction as all of
// the event's effects (subscription row, tier, ledger grant, outbox mail). A redelivery finds
// the id and changes nothing; a failure rolls everything back, the webhook answers 500 and
// Stripe delivers again. Bus events are published only after the commit, so listeners
// (audit, metrics) never see an effect that was rolled back.
//
// Stripe does not deliver in order. An event whose Stripe customer is not linked to a user
// yet is parked (stripe_pending_events; outcome "parked") and answered 200. The transaction
// that links the customer (checkout.session.completed, metadata.user_id on a subscription,
// or our API) applies the customer's parked events in Stripe `created` order, each one
// recording its final outcome. Parked events that nobody links expire (expireParkedEvents).
//
// An event of the other Stripe mode (livemode) than the deployment's, or without livemode,
// is recorded with outcome "wrong_mode" and changes nothing else (docs/billing.md).
#include "billing_store.hpp"
#include "credit_ledger.hpp"
#include "credit_packs.hpp"
#include "plans.hpp"
#include "stripe_objects.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/mailer.hpp>

#include <Poco/Logger.h>

#include <optional>
#include <string>
#include <vector>

namespace cc::billing {

struct WebhookResult {
  std::string eventId;
  std::string outcome;  ///< applied, duplicate, stale, ignored, parked, unknown_customer, unknown_price, wrong_mode
};

class WebhookProcessor {
 public:
  WebhookProcessor(Database& db, BillingStore& store, SqlCreditLedger& ledger, Mailer& mailer, Events& events,
                   const PlanCatalog& plans, bool livemode, Poco::Logger& log,
                   const CreditPackCatalog& packs = CreditPackCatalog::none())
      : db_(db), store_(store), ledger_(ledger), mailer_(mailer), events_(events), plans_(plans),
        livemode_(livemode), log_(log), packs_(packs) {}

  /// The Stripe mode this processor accepts (true: live).
  bool livemode() const { return livemode_; }
  /// The database it writes to: tells a database that is away from a failing event.
  Database& database() const { return db_; }
  /// The app's billing page that dunning mails link to (config `portal_return_url`; see
  /// docs/billing.md, "Dunning", for why not a portal session URL).
  void setBillingPageUrl(std::string url) { billingPageUrl_ = std::move(url); }

  /// Throws HttpError(400) for a body that is not a Stripe event; any other exception is a
  /// transient failure (nothing was written).
  WebhookResult process(const json::ObjectPtr& event);

  /// Applies the customer's parked events in one transaction, for links made outside a
  /// webhook (our API stored the customer). Returns how many were applied.
  int applyParkedEventsOf(const std::string& customerId);
  /// Drops the events parked before `receivedBeforeUnix` (outcome "expired", logged); returns
  /// how many.
  int expireParkedEvents(std::int64_t receivedBeforeUnix);

 private:
  struct Publication {
    std::string topic;
    json::ObjectPtr payload;
  };
  struct Work {
    std::string eventId, type;
    std::int64_t created = 0;
    json::ObjectPtr event;
    json::ObjectPtr object;
    std::string customerId;  ///< data.object.customer, "" when absent
    std::string outcome = "applied";
    std::vector<Publication> publications;
  };

  static Work workFrom(const json::ObjectPtr& event);
  void dispatch(Poco::Data::Session& s, Work& w);
  /// Parks `w` when its customer is known to Stripe but not to us; false when there is no
  /// customer id to wait for.
  bool park(Poco::Data::Session& s, Work& w);
  /// Applies (and removes) the customer's parked events, once it belongs to a user.
  std::vector<Work> applyParked(Poco::Data::Session& s, const std::string& customerId);
  void publishAndLog(const Work& w, const char* how);
  void onSubscription(Poco::Data::Session& s, Work& w);
  /// Who an invoice event is for: its subscription row (locked for update, when the invoice has
  /// one) and its user. False when nobody: the event was parked for its customer or ignored,
  /// and w.outcome says which.
  bool invoiceOwner(Poco::Data::Session& s, Work& w, const StripeInvoice& invoice,
                    std::optional<SubscriptionRow>& subscription, std::string& userId);
  void onInvoicePaid(Poco::Data::Session& s, Work& w);
  void onInvoiceFailed(Poco::Data::Session& s, Work& w);
  void onCheckoutCompleted(Poco::Data::Session& s, Work& w);
  // Dunning (defined in dunning.cpp).
  void onPaymentActionRequired(Poco::Data::Session& s, Work& w);
  /// For a subscription event that lapses it for non-payment (dunning::lapseOf): publishes
  /// billing.subscription_lapsed and queues the lapse mail; false, doing nothing, otherwise.
  bool noticeLapse(Poco::Data::Session& s, Work& w, const std::string& userId, const std::string& subscriptionId,
                   const Plan* plan, const std::string& newStatus, const std::string& previousStatus);

  std::optional<std::string> resolveUser(Poco::Data::Session& s, const std::string& customerId,
                                         const std::string& claimedUserId);
  /// Queues the mail in the event's transaction; a bad address is logged, not retried forever.
  void queueMail(Poco::Data::Session& s, const std::string& userId, const std::function<Mail(const std::string&)>& make);

  Database& db_;
  BillingStore& store_;
  SqlCreditLedger& ledger_;
  Mailer& mailer_;
  Events& events_;
  const PlanCatalog& plans_;
  const bool livemode_;
  Poco::Logger& log_;
  const CreditPackCatalog& packs_;  ///< credit packs whose paid Checkout sessions grant credits
  std::string billingPageUrl_;
};

}  // namespace cc::billing
