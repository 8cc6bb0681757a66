#pragma once
// SQL for Stripe customers, subscriptions and processed events; the user's e-mail and tier
// through the host's users service. Every method runs on the caller's session, so the caller
// decides the transaction (the tier is set in the same transaction as the subscription rows
// it is derived from, under the same locks).
#include "plans.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/sdk/users.hpp>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc::billing {

struct SubscriptionRow {
  std::string id;
  std::string userId;
  std::string customerId;
  std::string plan;
  std::string priceId;
  std::string itemId;
  std::string status;
  std::string currentPeriodStart;  ///< ISO-8601, "" when unknown
  std::string currentPeriodEnd;
  bool cancelAtPeriodEnd = false;
  std::string canceledAt;
  std::int64_t lastEventAt = 0;    ///< `created` of the event that last wrote it (0: written from an API answer)
  std::string createdAt;
};

/// A webhook event waiting for its Stripe customer to be linked to a user.
struct PendingEvent {
  std::string id;
  std::string customerId;
  std::string type;
  std::int64_t created = 0;
  std::string payload;  ///< the whole event JSON, as received
};

class BillingStore {
 public:
  BillingStore(Database& db, Users& users, const PlanCatalog& plans) : db_(db), users_(users), plans_(plans) {}

  std::optional<std::string> customerForUser(Poco::Data::Session& s, const std::string& userId);
  std::optional<std::string> userForCustomer(Poco::Data::Session& s, const std::string& customerId);
  /// Stores the user's customer unless one is stored already; returns the stored one.
  std::string saveCustomer(Poco::Data::Session& s, const std::string& userId, const std::string& customerId);
  std::optional<std::string> userEmail(Poco::Data::Session& s, const std::string& userId);

  /// Records a webhook event id; false when it was recorded before (a redelivery).
  bool recordEvent(Poco::Data::Session& s, const std::string& id, const std::string& type, std::int64_t created);
  void setEventOutcome(Poco::Data::Session& s, const std::string& id, const std::string& outcome);

  /// Serialises, until the end of the transaction, every transaction that resolves or links
  /// this Stripe customer (Database::lockNamed: a lock on a name, there is no row yet). Without
  /// it an event could be parked while a concurrent transaction links its customer and finds
  /// nothing parked yet.
  void lockCustomer(Poco::Data::Session& s, const std::string& customerId);
  /// Parks an event until its customer is linked (a second park of the same id is a no-op).
  void parkEvent(Poco::Data::Session& s, const PendingEvent& event);
  /// Removes and returns the customer's parked events, oldest Stripe `created` first.
  std::vector<PendingEvent> takePendingEvents(Poco::Data::Session& s, const std::string& customerId);
  /// Removes and returns the events parked before `receivedBeforeIso`.
  std::vector<PendingEvent> takePendingEventsReceivedBefore(Poco::Data::Session& s, const std::string& receivedBeforeIso);

  /// The row, locked for the rest of the transaction (Database::lockRowsSql).
  std::optional<SubscriptionRow> findSubscriptionForUpdate(Poco::Data::Session& s, const std::string& id);
  /// The user's most relevant subscription: one giving access first, then the latest.
  std::optional<SubscriptionRow> currentSubscription(Poco::Data::Session& s, const std::string& userId);

  /// Create-or-update from a webhook event. Refuses (returns false) to overwrite a row written
  /// by a newer event, a row whose status is terminal, or, for the created event, a row
  /// written by an event of the same second.
  bool upsertFromEvent(Poco::Data::Session& s, const SubscriptionRow& row, std::int64_t eventCreated,
                       bool isCreatedEvent);
  /// From the API's answer to "create": only when no webhook got there first.
  void insertIfAbsent(Poco::Data::Session& s, const SubscriptionRow& row);
  void setCancelAtPeriodEnd(Poco::Data::Session& s, const std::string& id, bool value);
  void markCanceled(Poco::Data::Session& s, const std::string& id, const std::string& canceledAt);
  void setPlan(Poco::Data::Session& s, const std::string& id, const Plan& plan);

  /// Sets the user's tier from the subscriptions that give access; returns the tier.
  std::string syncUserTier(Poco::Data::Session& s, const std::string& userId);

  SubscriptionStats stats(Poco::Data::Session& s);
  /// Rows created since `sinceIso`, per UTC day ("YYYY-MM-DD").
  std::map<std::string, std::int64_t> createdPerDay(Poco::Data::Session& s, const std::string& sinceIso);
  std::vector<SubscriptionRow> annualSubscriptionsWithAccess(Poco::Data::Session& s);
  /// Subscriptions that give access although their period ended before `periodEndedBeforeIso`
  /// and that Stripe has not answered for since `reconciledBeforeIso`; least recently tried
  /// first (never tried first), then oldest period end; at most `limit`.
  std::vector<SubscriptionRow> subscriptionsDueForReconcile(Poco::Data::Session& s,
                                                            const std::string& periodEndedBeforeIso,
                                                            const std::string& reconciledBeforeIso, int limit);
  /// Stamps "reconcileAttemptedAt" (and, when Stripe answered, "lastReconciledAt") with the
  /// database clock.
  void markReconcileAttempt(Poco::Data::Session& s, const std::string& id, bool stripeAnswered);

 private:
  std::vector<SubscriptionRow> selectSubscriptions(Poco::Data::Session& s, const std::string& where,
                                                   const std::string& param, const std::string& suffix);
  /// Rows of an executed SELECT of kSubscriptionColumns.
  static std::vector<SubscriptionRow> readSubscriptions(Poco::Data::Statement& st);
  Database& db_;
  Users& users_;
  const PlanCatalog& plans_;
};

}  // namespace cc::billing
