#pragma once
// Webhooks can be lost for good: the endpoint down for longer than Stripe's 3-day retry
// window, the endpoint disabled, a webhook secret rotated wrongly. Without a backstop a user
// whose `customer.subscription.deleted` never arrived keeps the paid tier forever. As Stripe
// advises, this job reconciles with the API: every subscription whose stored state still
// gives access although its period ended more than the grace ago (database clock) is fetched
// from Stripe and applied through the webhook path, as if Stripe had sent it as an event.
//
// Newest wins, as for webhooks: the fetched object counts as an event whose `created` is the
// latest of the object's own timestamps (created, start_date, current_period_start,
// canceled_at, ended_at), i.e. when Stripe last changed it in a way we can see. It is applied
// only when that is strictly newer than the row's "lastEventAt", so a webhook that got here
// later than the state we fetched is never overwritten. A 404 (resource_missing) means the
// subscription no longer exists: it is applied as a deletion, timed "now" (deletion is final).
//
// Wrong key guard: with a key of another Stripe account or mode every subscription answers
// 404, and applying those would cancel every paid subscription and mail every customer. So a
// run first checks the key (StripeAccountCheck: mode, account id against account_id or the
// pinned account), and applies the 404s it collected only at the end of a run that completed
// with fewer than `missingLimit` of them. A stopped run applies no 404, logs an error naming
// the reason (never the key) and publishes `billing_reconcile_stopped` (counted by the metrics
// plugin as billing_reconcile_stopped_total{reason}, which an alert watches).
//
// A status change Stripe does not date (active -> past_due/unpaid/paused/incomplete within the
// same period) moves none of those timestamps. Such a change is applied when nothing in the
// object says it is older than our row (same or later period, no canceled_at/ended_at) and
// our last event is older than the run: a GET answers the current state, so it is timed just
// before the run started (database clock), and a webhook sent after the fetch still wins.
//
// Fairness: each fetch stamps the row's "reconcileAttemptedAt" (and, when Stripe answered,
// "lastReconciledAt"); the batch takes the least recently tried rows first and skips rows
// answered within the last half interval, so rows that stay due (our state newer than
// Stripe's) or keep failing rotate instead of starving the rest.
#include "billing_store.hpp"
#include "stripe_account_check.hpp"
#include "stripe_client.hpp"
#include "webhook_processor.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/json.hpp>

#include <Poco/Logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cc::billing {

struct ReconcileReport {
  int checked = 0;    ///< subscriptions fetched (or found missing)
  int applied = 0;    ///< fetched state written through the webhook path
  int unchanged = 0;  ///< Stripe agrees with us, or our state is newer
  int failed = 0;     ///< Stripe or database errors; retried by the next run
  int missing = 0;    ///< answered 404 resource_missing
  std::string stopReason;  ///< set when the wrong key guard stopped the run
};

struct ReconcileOptions {
  std::int64_t graceSeconds = 86400;
  int batchSize = 100;
  std::int64_t intervalSeconds = 3600;
  int missingLimit = 3;  ///< this many 404s in one run stop it, none applied
};

/// The bus topic a stopped run publishes, and its reasons (docs/events.md).

/// The event `created` a fetched subscription stands for: the newest of its own timestamps.
std::int64_t subscriptionStateTime(const json::ObjectPtr& subscription);

class SubscriptionReconciler {
 public:
  SubscriptionReconciler(Database& db, BillingStore& store, WebhookProcessor& processor,
                         std::shared_ptr<StripeClient> client, StripeAccountCheck accountCheck, Events& events,
                         ReconcileOptions options, Poco::Logger& log)
      : db_(db), store_(store), processor_(processor), client_(std::move(client)),
        accountCheck_(std::move(accountCheck)), events_(events), options_(options), log_(log) {}

  /// One pass over at most batchSize subscriptions, least recently tried first. Never throws.
  ReconcileReport run();

 private:
  /// false when the run should stop (Stripe unreachable or failing: try again next run).
  /// A 404 resource_missing is not applied here but added to `missing`.
  bool reconcileOne(const SubscriptionRow& row, std::int64_t nowUnix, ReconcileReport& report,
                    std::vector<SubscriptionRow>& missing);
  /// Applies a subscription Stripe no longer knows as deleted, timed now.
  void applyMissing(const SubscriptionRow& row, std::int64_t nowUnix, ReconcileReport& report);
  /// The wrong key guard's stop: error log, bus event (-> metric, alert), nothing applied.
  void stopRun(const std::string& reason, const std::string& message, const std::string& accountId,
               ReconcileReport& report);
  /// false when applying failed (database error: retried next run).
  bool apply(const SubscriptionRow& row, const json::ObjectPtr& subscription, std::int64_t stateTime,
             const std::string& idTime, bool deleted, ReconcileReport& report);
  void markAttempt(const SubscriptionRow& row, bool stripeAnswered);
  /// The database clock, in milliseconds since the epoch.
  std::int64_t databaseNowMillis();

  Database& db_;
  BillingStore& store_;
  WebhookProcessor& processor_;
  std::shared_ptr<StripeClient> client_;
  StripeAccountCheck accountCheck_;
  Events& events_;
  ReconcileOptions options_;
  Poco::Logger& log_;
};

}  // namespace cc::billing
