#include "webhook_processor.hpp"

#include "notifications.hpp"
#include "pack_grants.hpp"
#include "stripe_objects.hpp"
#include "upgrade_credits.hpp"
#include "trials.hpp"

#include <codecouncil/billing/events.hpp>

#include <stdexcept>

namespace cc::billing {

WebhookProcessor::Work WebhookProcessor::workFrom(const json::ObjectPtr& event) {
  Work w;
  w.eventId = field::str(event, "id");
  w.type = field::str(event, "type");
  w.created = field::integer(event, "created");
  w.event = event;
  w.object = field::object(field::object(event, "data"), "object");
  if (w.eventId.empty() || w.type.empty() || !w.object) throw HttpError(400, "not a Stripe event (id, type, data.object)");
  w.customerId = field::idOf(w.object, "customer");
  return w;
}

WebhookResult WebhookProcessor::process(const json::ObjectPtr& event) {
  Work w = workFrom(event);
  // Stripe has sent livemode on every event of every API version, so an event without it
  // is not trusted as ours either.
  const std::optional<bool> eventMode = livemodeOf(event);
  const bool wrongMode = eventMode != livemode_;
  std::vector<Work> released;
  bool fresh = db_.transaction([&](Poco::Data::Session& s) {
    if (!store_.recordEvent(s, w.eventId, w.type, w.created)) return false;
    if (wrongMode) {
      // Recorded like "ignored" so a redelivery is a duplicate; nothing else is written.
      w.outcome = "wrong_mode";
      store_.setEventOutcome(s, w.eventId, w.outcome);
      return true;
    }
    store_.lockCustomer(s, w.customerId);
    dispatch(s, w);
    store_.setEventOutcome(s, w.eventId, w.outcome);
    // This event may have just linked its customer (or the API did earlier): apply what waited.
    if (w.outcome != "parked") released = applyParked(s, w.customerId);
    return true;
  });
  if (!fresh) {
    log_.information("stripe event %s (%s) was already processed; ignored", w.eventId, w.type);
    return {w.eventId, "duplicate"};
  }
  if (wrongMode) {
    log_.warning("stripe event %s (%s) refused: it is %s but this deployment serves %s mode "
                 "(misconfigured endpoint or leaked secret?); recorded as wrong_mode, nothing applied",
                 w.eventId, w.type, eventMode ? std::string(modeName(*eventMode)) + " mode" : std::string("without livemode"),
                 std::string(modeName(livemode_)));
    return {w.eventId, w.outcome};
  }
  publishAndLog(w, "");
  for (auto& p : released) publishAndLog(p, " (parked until its customer was linked)");
  return {w.eventId, w.outcome};
}

void WebhookProcessor::publishAndLog(const Work& w, const char* how) {
  for (auto& p : w.publications) events_.publish(p.topic, p.payload);
  log_.information("stripe event %s (%s)%s: %s", w.eventId, w.type, std::string(how), w.outcome);
}

int WebhookProcessor::applyParkedEventsOf(const std::string& customerId) {
  if (customerId.empty()) return 0;
  auto released = db_.transaction([&](Poco::Data::Session& s) {
    store_.lockCustomer(s, customerId);
    return applyParked(s, customerId);
  });
  for (auto& p : released) publishAndLog(p, " (parked until its customer was linked)");
  return static_cast<int>(released.size());
}

std::vector<WebhookProcessor::Work> WebhookProcessor::applyParked(Poco::Data::Session& s, const std::string& customerId) {
  std::vector<Work> released;
  if (customerId.empty() || !store_.userForCustomer(s, customerId)) return released;
  for (auto& pending : store_.takePendingEvents(s, customerId)) {
    Work p = workFrom(json::parseObject(pending.payload));
    dispatch(s, p);  // parks it again only if it still resolves to nobody
    store_.setEventOutcome(s, p.eventId, p.outcome);
    released.push_back(std::move(p));
  }
  return released;
}

int WebhookProcessor::expireParkedEvents(std::int64_t receivedBeforeUnix) {
  auto expired = db_.transaction([&](Poco::Data::Session& s) {
    auto rows = store_.takePendingEventsReceivedBefore(s, isoFromUnix(receivedBeforeUnix));
    for (auto& e : rows) store_.setEventOutcome(s, e.id, "expired");
    return rows;
  });
  for (auto& e : expired)
    log_.warning("stripe event %s (%s) expired: customer %s was never linked to a user; its effects were dropped",
                 e.id, e.type, e.customerId);
  return static_cast<int>(expired.size());
}

bool WebhookProcessor::park(Poco::Data::Session& s, Work& w) {
  if (w.customerId.empty()) return false;
  store_.parkEvent(s, {w.eventId, w.customerId, w.type, w.created, json::stringify(w.event)});
  log_.information("stripe event %s (%s): customer %s belongs to no user yet; parked until it is linked", w.eventId,
                   w.type, w.customerId);
  w.outcome = "parked";
  w.publications.clear();
  return true;
}

void WebhookProcessor::dispatch(Poco::Data::Session& s, Work& w) {
  if (w.type == "customer.subscription.created" || w.type == "customer.subscription.updated" ||
      w.type == "customer.subscription.deleted")
    onSubscription(s, w);
  else if (w.type == "invoice.payment_succeeded" || w.type == "invoice.paid")
    onInvoicePaid(s, w);
  else if (w.type == "invoice.payment_failed")
    onInvoiceFailed(s, w);
  else if (w.type == "invoice.payment_action_required")
    onPaymentActionRequired(s, w);
  else if (isCheckoutPaymentEvent(w.type))  // completed, async_payment_succeeded/_failed
    onCheckoutCompleted(s, w);
  else
    w.outcome = "ignored";  // logged by process(); 200 so Stripe does not retry it
}

std::optional<std::string> WebhookProcessor::resolveUser(Poco::Data::Session& s, const std::string& customerId,
                                                         const std::string& claimedUserId) {
  if (!customerId.empty())
    if (auto user = store_.userForCustomer(s, customerId)) return user;
  // A customer we created carries metadata.user_id; trust it only for an existing user.
  if (!claimedUserId.empty() && store_.userEmail(s, claimedUserId)) {
    if (!customerId.empty()) store_.saveCustomer(s, claimedUserId, customerId);
    return claimedUserId;
  }
  return std::nullopt;
}

void WebhookProcessor::queueMail(Poco::Data::Session& s, const std::string& userId,
                                 const std::function<Mail(const std::string&)>& make) {
  auto email = store_.userEmail(s, userId);
  if (!email) return;
  try {
    mailer_.send(s, make(*email));
  } catch (const std::invalid_argument& e) {
    log_.warning("billing mail for user %s not queued: %s", userId, std::string(e.what()));
  }
}

void WebhookProcessor::onSubscription(Poco::Data::Session& s, Work& w) {
  StripeSubscription sub = parseSubscription(w.object);
  if (sub.id.empty() || !isKnownStatus(sub.status)) {
    w.outcome = "ignored";
    return;
  }
  auto userId = resolveUser(s, sub.customerId, sub.metadataUserId);
  if (!userId) {
    if (park(s, w)) return;
    log_.warning("stripe event %s: customer %s belongs to no user; ignored", w.eventId, sub.customerId);
    w.outcome = "unknown_customer";
    return;
  }
  auto previous = store_.findSubscriptionForUpdate(s, sub.id);
  const Plan* plan = plans_.byPriceId(sub.priceId);
  if (!plan && previous) plan = plans_.byId(previous->plan);
  if (!plan) {
    log_.warning("stripe event %s: price %s is not one of the configured plans; ignored", w.eventId, sub.priceId);
    w.outcome = "unknown_price";
    return;
  }
  const bool deleted = w.type == "customer.subscription.deleted";
  SubscriptionRow row;
  row.id = sub.id;
  row.userId = *userId;
  row.customerId = sub.customerId;
  row.plan = plan->id;
  row.priceId = plan->priceId;
  row.itemId = sub.itemId;
  row.status = deleted ? "canceled" : sub.status;
  row.currentPeriodStart = isoFromUnix(sub.currentPeriodStart);
  row.currentPeriodEnd = isoFromUnix(sub.currentPeriodEnd);
  row.cancelAtPeriodEnd = sub.cancelAtPeriodEnd;
  row.canceledAt = isoFromUnix(sub.canceledAt);
  const bool isCreated = w.type == "customer.subscription.created";
  const bool applied = store_.upsertFromEvent(s, row, w.created, isCreated);
  if (applied) trials::saveFromEvent(s, db_, sub.id, trials::trialEndOf(w.object));
  store_.syncUserTier(s, *userId);
  if (!applied) w.outcome = "stale";

  auto payload = json::object();
  payload->set("userId", *userId);
  payload->set("subscriptionId", sub.id);
  payload->set("plan", plan->id);
  if (isCreated) {
    // A subscription is created once, so its notice goes out even when a newer update got
    // here first (the row then keeps the newer state).
    payload->set("status", sub.status);
    w.publications.push_back({topics::kSubscriptionCreated.name, payload});
    queueMail(s, *userId, [&](const std::string& to) { return mail::subscriptionCreated(to, w.eventId, *plan, sub.status); });
  } else if (deleted) {
    bool atPeriodEnd = sub.cancelAtPeriodEnd || (previous && previous->cancelAtPeriodEnd);
    payload->set("atPeriodEnd", atPeriodEnd);
    w.publications.push_back({topics::kSubscriptionCanceled.name, payload});
    // One mail per event: the lapse notice replaces the ordinary "has ended" one.
    if (!noticeLapse(s, w, *userId, sub.id, plan, row.status, previous ? previous->status : ""))
      queueMail(s, *userId, [&](const std::string& to) { return mail::subscriptionCanceled(to, w.eventId, plan); });
  } else if (applied) {
    const Plan* previousPlan = previous ? plans_.byId(previous->plan) : nullptr;
    payload->set("previousPlan", previous ? previous->plan : std::string());
    payload->set("status", sub.status);
    w.publications.push_back({topics::kSubscriptionUpdated.name, payload});
    if (!noticeLapse(s, w, *userId, sub.id, plan, row.status, previous ? previous->status : ""))
      queueMail(s, *userId, [&](const std::string& to) {
        return mail::subscriptionUpdated(to, w.eventId, *plan, previousPlan, sub.status, sub.cancelAtPeriodEnd,
                                         row.currentPeriodEnd);
      });
  } else {
    log_.information("stripe event %s: subscription %s has newer state; left as it is", w.eventId, sub.id);
  }
}

bool WebhookProcessor::invoiceOwner(Poco::Data::Session& s, Work& w, const StripeInvoice& invoice,
                                    std::optional<SubscriptionRow>& subscription, std::string& userId) {
  if (!invoice.subscriptionId.empty()) subscription = store_.findSubscriptionForUpdate(s, invoice.subscriptionId);
  auto user = subscription ? std::optional<std::string>(subscription->userId) : resolveUser(s, invoice.customerId, "");
  if (!user && !invoice.id.empty() && park(s, w)) return false;
  if (!user || invoice.id.empty()) {
    log_.warning("stripe event %s: invoice of customer %s belongs to no user; ignored", w.eventId, invoice.customerId);
    w.outcome = "unknown_customer";
    return false;
  }
  userId = *user;
  return true;
}

void WebhookProcessor::onInvoicePaid(Poco::Data::Session& s, Work& w) {
  StripeInvoice invoice = parseInvoice(w.object);
  std::optional<SubscriptionRow> subscription;
  std::string userId;
  if (!invoiceOwner(s, w, invoice, subscription, userId)) return;
  const Plan* plan = subscription ? plans_.byId(subscription->plan) : nullptr;
  if (!plan) plan = plans_.byPriceId(invoice.priceId);

  // Credits come with the invoice of a period (first or renewal). A proration invoice from a
  // mid-period plan change does not start a new month of credits, unless the change moved to
  // another interval: Stripe then starts and bills a whole new period on that invoice, whose
  // line names the new price (our row may not know the new plan yet).
  const Plan* periodPlan = plan;
  bool startsPeriod = invoice.billingReason != "subscription_update";
  if (!startsPeriod)
    if (const Plan* next = plans_.byPriceId(newPeriodPriceOf(w.object))) {
      periodPlan = next;
      startsPeriod = true;
    }
  std::int64_t granted = 0;
  const std::string reference = "invoice:" + invoice.id;
  if (startsPeriod && periodPlan && periodPlan->creditsPerMonth > 0 &&
      ledger_.grant(s, userId, periodPlan->creditsPerMonth, reference,
                    periodPlan->name + " credits (invoice " + invoice.id + ")", invoice.subscriptionId))
    granted = periodPlan->creditsPerMonth;
  // A paid mid-period upgrade adds the new plan's extra credits for the rest of the month,
  // keyed "upgrade:<invoice id>" (upgrade_credits.hpp; the preview computes the same).
  const std::int64_t upgrade = grantUpgradeCredits(s, ledger_, plans_, userId, w.object, subscription);

  auto paid = json::object();
  paid->set("userId", userId);
  paid->set("invoiceId", invoice.id);
  paid->set("amount", invoice.amountPaid);
  paid->set("currency", invoice.currency.empty() ? std::string("usd") : invoice.currency);
  paid->set("plan", periodPlan ? periodPlan->id : std::string());
  w.publications.push_back({topics::kPaymentSucceeded.name, paid});
  if (granted > 0) {
    auto credits = json::object();
    credits->set("userId", userId);
    credits->set("amount", granted);
    credits->set("reference", reference);
    w.publications.push_back({topics::kCreditsGranted.name, credits});
  }
  if (upgrade > 0) {
    auto credits = json::object();
    credits->set("userId", userId);
    credits->set("amount", upgrade);
    credits->set("reference", upgradeReference(invoice.id));
    w.publications.push_back({topics::kCreditsGranted.name, credits});
  }
  queueMail(s, userId, [&](const std::string& to) {
    return mail::paymentSucceeded(to, w.eventId, invoice.amountPaid, invoice.currency, periodPlan, granted + upgrade);
  });
}

void WebhookProcessor::onInvoiceFailed(Poco::Data::Session& s, Work& w) {
  StripeInvoice invoice = parseInvoice(w.object);
  std::optional<SubscriptionRow> subscription;
  std::string userId;
  if (!invoiceOwner(s, w, invoice, subscription, userId)) return;
  std::string errorCode = invoice.errorCode.empty() ? "payment_failed" : invoice.errorCode;
  auto failed = json::object();
  failed->set("userId", userId);
  failed->set("invoiceId", invoice.id);
  failed->set("amount", invoice.amountDue);
  failed->set("errorCode", errorCode);
  w.publications.push_back({topics::kPaymentFailed.name, failed});
  // While the very first payment is still being made, the customer is in the payment form
  // and sees the failure there; a mail on top would only confuse (Pay does the same).
  bool firstPayment = invoice.billingReason == "subscription_create" || (subscription && subscription->status == "incomplete");
  if (firstPayment) return;
  queueMail(s, userId, [&](const std::string& to) {
    return mail::paymentFailed(to, w.eventId, invoice.amountDue, invoice.currency, errorCode, billingPageUrl_);
  });
}

void WebhookProcessor::onCheckoutCompleted(Poco::Data::Session& s, Work& w) {
  StripeCheckoutSession session = parseCheckoutSession(w.object);
  auto userId = resolveUser(s, session.customerId, session.clientReferenceId);
  if (!userId) {
    log_.warning("stripe event %s: checkout session %s belongs to no user; ignored", w.eventId, session.id);
    w.outcome = "unknown_customer";
    return;
  }
  // A subscription itself arrives with customer.subscription.created; a credit pack is
  // granted here, once it is paid (pack_grants.hpp).
  PackGrant pack = grantPaidPack(s, ledger_, packs_, w.eventId, w.type, w.object, *userId, log_);
  if (!pack.isPack) {
    if (w.type != "checkout.session.completed") w.outcome = "ignored";
    return;
  }
  if (!pack.outcome.empty()) w.outcome = pack.outcome;
  if (pack.granted > 0) {
    auto credits = json::object();
    credits->set("userId", *userId);
    credits->set("amount", pack.granted);
    credits->set("reference", pack.reference);
    w.publications.push_back({topics::kCreditsGranted.name, credits});
  }
}

}  // namespace cc::billing
