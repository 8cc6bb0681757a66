#pragma once
// Applies one verified Stripe event exactly once.
//
// The event id is inserted into stripe_events in the same database transaction as all of
// the event's effects (subscription row, tier, ledger grant, outbox mail). A redelivery finds
// the id and changes nothing; a failure rolls everything back, the webhook answers 500 and
// Stripe delivers again. Bus events are published only after the commit, so listeners
// (audit, metrics) never see an effect that was rolled back.
#include "billing_store.hpp"
#include "credit_ledger.hpp"
#include "plans.hpp"

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
  std::string outcome;  ///< applied, duplicate, stale, ignored, unknown_customer, unknown_price
};

class WebhookProcessor {
 public:
  WebhookProcessor(Database& db, BillingStore& store, SqlCreditLedger& ledger, Mailer& mailer, Events& events,
                   const PlanCatalog& plans, Poco::Logger& log)
      : db_(db), store_(store), ledger_(ledger), mailer_(mailer), events_(events), plans_(plans), log_(log) {}

  /// Throws HttpError(400) for a body that is not a Stripe event; any other exception is a
  /// transient failure (nothing was written).
  WebhookResult process(const json::ObjectPtr& event);

 private:
  struct Publication {
    std::string topic;
    json::ObjectPtr payload;
  };
  struct Work {
    std::string eventId, type;
    std::int64_t created = 0;
    json::ObjectPtr object;
    std::string outcome = "applied";
    std::vector<Publication> publications;
  };

  void dispatch(Poco::Data::Session& s, Work& w);
  void onSubscription(Poco::Data::Session& s, Work& w);
  void onInvoicePaid(Poco::Data::Session& s, Work& w);
  void onInvoiceFailed(Poco::Data::Session& s, Work& w);
  void onCheckoutCompleted(Poco::Data::Session& s, Work& w);

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
  Poco::Logger& log_;
};

}  // namespace cc::billing
