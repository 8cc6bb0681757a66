#include "subscription_reconciler.hpp"

#include "stripe_objects.hpp"

#include <codecouncil/billing/events.hpp>

#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::billing {
namespace {

/// A Stripe subscription object standing in for one that no longer exists at Stripe, built
/// from what we stored, so the deletion goes through the ordinary webhook path.
json::ObjectPtr deletedSubscriptionFrom(const SubscriptionRow& row, std::int64_t canceledAt, bool livemode) {
  auto price = json::object();
  price->set("id", row.priceId);
  price->set("object", "price");
  auto item = json::object();
  item->set("id", row.itemId);
  item->set("object", "subscription_item");
  item->set("price", price);
  if (auto start = unixFromIso(row.currentPeriodStart); start > 0) item->set("current_period_start", start);
  if (auto end = unixFromIso(row.currentPeriodEnd); end > 0) item->set("current_period_end", end);
  auto data = json::array();
  data->add(item);
  auto items = json::object();
  items->set("object", "list");
  items->set("data", data);
  auto metadata = json::object();
  metadata->set("user_id", row.userId);
  auto sub = json::object();
  sub->set("id", row.id);
  sub->set("object", "subscription");
  sub->set("customer", row.customerId);
  sub->set("status", "canceled");
  sub->set("cancel_at_period_end", row.cancelAtPeriodEnd);
  sub->set("canceled_at", canceledAt);
  sub->set("ended_at", canceledAt);
  sub->set("items", items);
  sub->set("metadata", metadata);
  sub->set("livemode", livemode);
  return sub;
}

/// True when the fetched state is what we store already: applying it would only repeat the
/// update notice (bus event and mail).
bool sameAsStored(const SubscriptionRow& row, const StripeSubscription& fetched) {
  return fetched.status == row.status && isoFromUnix(fetched.currentPeriodEnd) == row.currentPeriodEnd &&
         fetched.cancelAtPeriodEnd == row.cancelAtPeriodEnd && (fetched.priceId.empty() || fetched.priceId == row.priceId);
}

/// A status change within the period that the object carries no date for (past_due, unpaid,
/// paused, ...), seen in an object that is not older than our row by anything it shows.
bool undatedStatusChange(const SubscriptionRow& row, const StripeSubscription& fetched,
                         const json::ObjectPtr& object) {
  return fetched.status != row.status && fetched.status != "canceled" && fetched.status != "incomplete_expired" &&
         fetched.canceledAt == 0 && field::integer(object, "ended_at") == 0 &&
         fetched.currentPeriodEnd >= unixFromIso(row.currentPeriodEnd);
}

/// ISO-8601 UTC with milliseconds, the shape of Database::nowSql().
std::string isoFromUnixMillis(std::int64_t millis) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(static_cast<Poco::Timestamp::TimeVal>(millis) * 1000),
                                         "%Y-%m-%dT%H:%M:%S.%iZ");
}

}  // namespace

std::int64_t subscriptionStateTime(const json::ObjectPtr& subscription) {
  StripeSubscription sub = parseSubscription(subscription);  // reads the period from either API layout
  return std::max({field::integer(subscription, "created"), field::integer(subscription, "start_date"),
                   sub.currentPeriodStart, sub.canceledAt, field::integer(subscription, "ended_at")});
}

std::int64_t SubscriptionReconciler::databaseNowMillis() {
  auto s = db_.session();
  std::vector<std::string> now;
  s << "SELECT " + db_.nowSql(), into(now), Poco::Data::Keywords::now;
  if (now.empty()) return 0;
  const std::string& iso = now.front();  // YYYY-MM-DDTHH:MM:SS.mmmZ
  int millis = iso.size() >= 23 && iso[19] == '.' ? std::atoi(iso.substr(20, 3).c_str()) : 0;
  return unixFromIso(iso) * 1000 + millis;
}

void SubscriptionReconciler::markAttempt(const SubscriptionRow& row, bool stripeAnswered) {
  auto s = db_.session();
  store_.markReconcileAttempt(s, row.id, stripeAnswered);
}

ReconcileReport SubscriptionReconciler::run() {
  ReconcileReport report;
  try {
    std::int64_t nowMillis = databaseNowMillis();
    std::int64_t nowUnix = nowMillis / 1000;
    // Half the interval, not all of it: a row answered late in the previous run is less than
    // a whole interval old when the next run starts, and must not skip that run.
    std::string answeredBefore = isoFromUnixMillis(nowMillis - options_.intervalSeconds * 1000 / 2);
    std::vector<SubscriptionRow> due;
    {
      auto s = db_.session();
      due = store_.subscriptionsDueForReconcile(s, isoFromUnix(nowUnix - options_.graceSeconds), answeredBefore,
                                                options_.batchSize);
    }
    if (!due.empty()) {
      // Only when there is something to ask about: the check costs a call to Stripe.
      AccountVerdict verdict = accountCheck_.verify();
      if (verdict.kind == AccountVerdict::Kind::kUnavailable) {
        ++report.failed;
        log_.warning("billing reconcile: cannot check the secret key's Stripe account: %s; retried next run",
                     verdict.message);
        due.clear();
      } else if (verdict.kind == AccountVerdict::Kind::kStop) {
        stopRun(verdict.reason, verdict.message, verdict.accountId, report);
        due.clear();
      }
    }
    std::vector<SubscriptionRow> missing;
    bool completed = true;
    for (auto& row : due) {
      if (!reconcileOne(row, nowUnix, report, missing)) {
        completed = false;
        break;
      }
      if (static_cast<int>(missing.size()) >= options_.missingLimit) {
        stopRun("too_many_missing",
                std::to_string(missing.size()) + " subscriptions answered 404 resource_missing in one run "
                "(reconcile_missing_limit " + std::to_string(options_.missingLimit) +
                    "), which looks like a secret key of another Stripe account or mode, not like deletions",
                "", report);
        completed = false;
        missing.clear();
        break;
      }
    }
    // A few 404s in a run that saw the rest of its batch through are genuine deletions.
    if (completed)
      for (auto& row : missing) applyMissing(row, nowUnix, report);
    else if (!missing.empty())
      log_.warning("billing reconcile: %z subscription(s) gone at Stripe wait for a run that completes",
                   missing.size());
  } catch (const std::exception& e) {
    ++report.failed;
    log_.error("billing reconcile: %s; retried next run", std::string(e.what()));
  }
  if (report.checked > 0 || report.failed > 0)
    log_.information("billing reconcile: %d checked, %d applied, %d unchanged, %d failed, %d missing", report.checked,
                     report.applied, report.unchanged, report.failed, report.missing);
  return report;
}

void SubscriptionReconciler::stopRun(const std::string& reason, const std::string& message,
                                     const std::string& accountId, ReconcileReport& report) {
  report.stopReason = reason;
  log_.error("billing reconcile stopped (%s): %s; nothing was applied as deleted, the next run checks again", reason,
             message);
  auto payload = json::object();
  payload->set("reason", reason);
  payload->set("livemode", processor_.livemode());
  if (!accountId.empty()) payload->set("accountId", accountId);
  payload->set("missing", report.missing);
  payload->set("message", message);
  events_.publish(topics::kReconcileStopped, payload);
}

void SubscriptionReconciler::applyMissing(const SubscriptionRow& row, std::int64_t nowUnix, ReconcileReport& report) {
  log_.warning("billing reconcile: subscription %s is gone at Stripe; applying it as deleted", row.id);
  std::int64_t deletedAt = std::max(nowUnix, row.lastEventAt + 1);
  if (apply(row, deletedSubscriptionFrom(row, nowUnix, processor_.livemode()), deletedAt, std::to_string(deletedAt),
            true, report))
    markAttempt(row, true);
}

bool SubscriptionReconciler::reconcileOne(const SubscriptionRow& row, std::int64_t nowUnix, ReconcileReport& report,
                                          std::vector<SubscriptionRow>& missing) {
  // Stamped before the fetch: a row that fails (or crashes the run) goes behind the others.
  markAttempt(row, false);
  json::ObjectPtr fetched;
  try {
    fetched = client_->get("/v1/subscriptions/" + row.id);
  } catch (const StripeError& e) {
    if (e.httpStatus() == 404 && e.code() == "resource_missing") {
      // Applied after the run, and only if the run does not look like a wrong key.
      ++report.checked;
      ++report.missing;
      missing.push_back(row);
      return true;
    }
    ++report.failed;
    log_.warning("billing reconcile: fetching subscription %s failed (HTTP %d, %s): %s; retried next run", row.id,
                 e.httpStatus(), e.code(), std::string(e.what()));
    // A network error, 429 or 5xx says Stripe is unwell: the rest waits for the next run.
    // Another 4xx concerns this subscription only.
    return e.httpStatus() >= 400 && e.httpStatus() < 500 && e.httpStatus() != 429;
  }
  ++report.checked;
  // The key fetches objects of its own mode, unless `livemode` overrides what the key says:
  // then the fetched state is not this deployment's to apply.
  const std::optional<bool> fetchedMode = livemodeOf(fetched);
  if (fetchedMode != processor_.livemode()) {
    ++report.failed;
    log_.warning("billing reconcile: subscription %s fetched from Stripe is %s but this deployment serves %s mode; "
                 "skipped",
                 row.id, fetchedMode ? std::string(modeName(*fetchedMode)) + " mode" : std::string("without livemode"),
                 std::string(modeName(processor_.livemode())));
    markAttempt(row, true);  // Stripe answered; asking again every run would answer the same
    return true;
  }
  StripeSubscription sub = parseSubscription(fetched);
  if (sub.id != row.id || !isKnownStatus(sub.status)) {
    ++report.failed;
    log_.warning("billing reconcile: Stripe's answer for subscription %s is not that subscription; ignored", row.id);
    return true;
  }
  std::int64_t stateTime = subscriptionStateTime(fetched);
  if (stateTime <= row.lastEventAt && undatedStatusChange(row, sub, fetched) && nowUnix - 1 > row.lastEventAt) {
    // Timed a second before the run began (the fetch is later), so a webhook of a later
    // change, even of the same second as the run start, is strictly newer and wins. The id
    // names the change from our state, so hosts or runs applying it twice record it once.
    if (apply(row, fetched, nowUnix - 1, "after_" + std::to_string(row.lastEventAt), false, report))
      markAttempt(row, true);
    return true;
  }
  if (stateTime <= row.lastEventAt) {
    markAttempt(row, true);
    ++report.unchanged;
    log_.information("billing reconcile: subscription %s: our state (event of %Ld) is newer than Stripe's (%Ld); kept",
                     row.id, static_cast<Poco::Int64>(row.lastEventAt), static_cast<Poco::Int64>(stateTime));
    return true;
  }
  if (sameAsStored(row, sub)) {
    markAttempt(row, true);
    ++report.unchanged;
    return true;
  }
  if (apply(row, fetched, stateTime, std::to_string(stateTime), sub.status == "canceled", report))
    markAttempt(row, true);
  return true;
}

bool SubscriptionReconciler::apply(const SubscriptionRow& row, const json::ObjectPtr& subscription,
                                   std::int64_t stateTime, const std::string& idTime, bool deleted,
                                   ReconcileReport& report) {
  // The event Stripe would have sent. Its id names the state, so the same state fetched twice
  // (or by two hosts) is recorded once in stripe_events and applied once.
  StripeSubscription sub = parseSubscription(subscription);
  auto event = json::object();
  event->set("id", "reconcile_" + row.id + "_" + sub.status + "_" + std::to_string(sub.currentPeriodEnd) + "_" +
                       idTime);
  event->set("object", "event");
  event->set("type", deleted ? "customer.subscription.deleted" : "customer.subscription.updated");
  event->set("created", stateTime);
  event->set("livemode", livemodeOf(subscription).value_or(processor_.livemode()));  // checked by reconcileOne
  auto data = json::object();
  data->set("object", subscription);
  event->set("data", data);
  try {
    WebhookResult result = processor_.process(event);
    if (result.outcome == "applied") ++report.applied;
    else ++report.unchanged;
    log_.information("billing reconcile: subscription %s is %s at Stripe: %s", row.id, sub.status, result.outcome);
    return true;
  } catch (const std::exception& e) {
    ++report.failed;
    log_.error("billing reconcile: applying subscription %s failed: %s; retried next run", row.id,
               std::string(e.what()));
    return false;
  }
}

}  // namespace cc::billing
