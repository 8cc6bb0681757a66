#include "subscription_routes.hpp"

#include "promotion_codes.hpp"
#include "stripe_call.hpp"
#include "stripe_objects.hpp"
#include "trials.hpp"

#include <ctime>

#include <ctime>
#include <optional>

namespace cc::billing {
namespace {

Poco::Dynamic::Var textOrNull(const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); }

/// How old a preview's effectiveAt may be when it comes back with change-plan.
constexpr std::int64_t kMaxPreviewAgeSeconds = 3600;
/// How far ahead of our clock it may be (another host's clock made it).
constexpr std::int64_t kClockSkewSeconds = 60;

/// change-plan's optional `effectiveAt` (the preview's): unix seconds, or nullopt when absent.
std::optional<std::int64_t> prorationDateParam(const json::ObjectPtr& body, const SubscriptionRow& sub) {
  if (!body || !body->has("effectiveAt") || body->isNull("effectiveAt")) return std::nullopt;
  auto value = body->get("effectiveAt");
  std::int64_t at = value.isString() ? unixFromIso(value.toString()) : 0;
  if (at <= 0 || isoFromUnix(at) != value.toString())
    throw HttpError(400, "effectiveAt must be the effectiveAt of a preview (e.g. 2025-01-15T00:00:00.000Z)");
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  std::int64_t periodStart = unixFromIso(sub.currentPeriodStart), periodEnd = unixFromIso(sub.currentPeriodEnd);
  if (at > now + kClockSkewSeconds || at < now - kMaxPreviewAgeSeconds || (periodStart > 0 && at < periodStart) ||
      (periodEnd > 0 && at >= periodEnd))
    throw HttpError(400, "effectiveAt is out of date: preview the change again");
  return at;
}

}  // namespace

void SubscriptionRoutes::applyParkedEvents(const std::string& customerId) {
  if (!customerLinked_) return;
  try {
    customerLinked_(customerId);
  } catch (const std::exception& e) {
    // Not the caller's problem: the next webhook event of this customer applies them too.
    log_.warning("parked stripe events of customer %s not applied yet: %s", customerId, std::string(e.what()));
  }
}

StripeClient& SubscriptionRoutes::requireClient() {
  if (!client_) throw HttpError(503, "billing is not configured");
  return *client_;
}

std::optional<SubscriptionRow> SubscriptionRoutes::currentSubscription(const std::string& userId) {
  auto s = db_.session();
  return store_.currentSubscription(s, userId);
}

json::ObjectPtr SubscriptionRoutes::currentJson(const std::string& userId) {
  auto row = currentSubscription(userId);
  auto o = json::object();
  const Plan* plan = row ? config_.plans.byId(row->plan) : nullptr;
  o->set("plan", row ? Poco::Dynamic::Var(row->plan) : Poco::Dynamic::Var());
  o->set("status", row ? row->status : std::string("none"));
  o->set("currentPeriodStart", textOrNull(row ? row->currentPeriodStart : ""));
  o->set("currentPeriodEnd", textOrNull(row ? row->currentPeriodEnd : ""));
  o->set("cancelAtPeriodEnd", row ? row->cancelAtPeriodEnd : false);
  std::string trialEnd;
  if (row) {
    auto s = db_.session();
    trialEnd = trials::storedTrialEnd(s, db_, row->id);
  }
  o->set("trialEndsAt", textOrNull(trialEnd));
  o->set("plan_details", plan ? Poco::Dynamic::Var(planJson(*plan)) : Poco::Dynamic::Var());
  o->set("subscriptionId", textOrNull(row ? row->id : ""));
  o->set("hasAccess", row ? statusGivesAccess(row->status) : false);
  o->set("credits", ledger_.balance(userId));
  return o;
}

std::string SubscriptionRoutes::plansJsonText(const BillingConfig& config) {
  auto list = json::array();
  for (auto& p : config.plans.all()) list->add(planJson(p));
  return json::stringify(list);
}

void SubscriptionRoutes::plans(Request&, Response& res) { res.text(200, plansBody_, "application/json"); }

void SubscriptionRoutes::current(Request& req, Response& res) {
  const User& user = req.requireUser();
  requireClient();  // the guide's rule: without Stripe, only the plan list answers
  res.json(200, currentJson(user.id));
}

std::string SubscriptionRoutes::ensureCustomer(const User& user) {
  {
    auto s = db_.session();
    if (auto existing = store_.customerForUser(s, user.id)) return *existing;
  }
  auto customer = stripeCall(log_, "create customer", [&] {
    return requireClient().post("/v1/customers", FormBody().add("email", user.email).add({"metadata", "user_id"}, user.id));
  });
  std::string id = field::str(customer, "id");
  if (id.empty()) throw HttpError(502, "payment provider returned a customer without an id");
  auto s = db_.session();
  std::string stored = store_.saveCustomer(s, user.id, id);
  if (stored != id) log_.warning("user %s got a second Stripe customer %s in a race; keeping %s", user.id, id, stored);
  applyParkedEvents(stored);
  return stored;
}

void SubscriptionRoutes::create(Request& req, Response& res) {
  const User& user = req.requireUser();
  StripeClient& client = requireClient();
  auto body = req.jsonBody();
  std::string planId = json::requireString(body, "planId");
  const Plan* plan = config_.plans.byId(planId);
  if (!plan) throw HttpError(400, "unknown planId");
  if (auto existing = currentSubscription(user.id);
      existing && !statusIsTerminal(existing->status) && existing->status != "incomplete")
    throw HttpError(409, "you already have a subscription; use /api/subscriptions/change-plan to switch plans");
  // Checked (shape, then with Stripe) before a customer is created for the caller.
  auto promotionCode = promotionCodeParam(body);
  std::string promotionId =
      promotionCode ? resolvePromotionCode(client, log_, *promotionCode, static_cast<std::int64_t>(std::time(nullptr)))
                    : "";
  const std::int64_t trialDays = trials::daysFor(db_, config_.plans, plan->id, user.id);

  std::string customerId = ensureCustomer(user);
  if (config_.paymentFlow == "checkout") {
    FormBody form;
    form.add("mode", "subscription")
        .add("customer", customerId)
        .add("client_reference_id", user.id)
        .add({"line_items", "0", "price"}, plan->priceId)
        .add({"line_items", "0", "quantity"}, "1")
        .add({"subscription_data", "metadata", "user_id"}, user.id)
        .add({"subscription_data", "metadata", "plan_id"}, plan->id)
        .add("success_url", config_.checkoutSuccessUrl)
        .add("cancel_url", config_.checkoutCancelUrl);
    if (trialDays > 0) form.add({"subscription_data", "trial_period_days"}, std::to_string(trialDays));
    if (!promotionId.empty()) form.add({"discounts", "0", "promotion_code"}, promotionId);
    auto session = stripeCall(log_, "create checkout session", [&] {
      return redeemingPromotionCode(log_, promotionCode.value_or(""),
                                    [&] { return client.post("/v1/checkout/sessions", form); });
    });
    auto out = json::object();
    out->set("plan", plan->id);
    out->set("checkoutSessionId", field::str(session, "id"));
    out->set("checkoutUrl", field::str(session, "url"));
    res.json(201, out);
    return;
  }

  FormBody form;
  form.add("customer", customerId)
      .add({"items", "0", "price"}, plan->priceId)
      .add("payment_behavior", "default_incomplete")
      .add({"payment_settings", "save_default_payment_method"}, "on_subscription")
      .add({"expand", "0"}, "latest_invoice.confirmation_secret")
      .add({"metadata", "user_id"}, user.id)
      .add({"metadata", "plan_id"}, plan->id);
  // A trial needs no payment now: Stripe opens a SetupIntent for the card instead.
  if (trialDays > 0)
    form.add("trial_period_days", std::to_string(trialDays)).add({"expand", "1"}, "pending_setup_intent");
  if (!promotionId.empty()) form.add({"discounts", "0", "promotion_code"}, promotionId);
  auto created = stripeCall(log_, "create subscription", [&] {
    return redeemingPromotionCode(log_, promotionCode.value_or(""), [&] { return client.post("/v1/subscriptions", form); });
  });
  StripeSubscription sub = parseSubscription(created);
  if (sub.clientSecret.empty()) sub.clientSecret = trials::setupIntentSecretOf(created);
  const std::int64_t trialEnd = trials::trialEndOf(created);
  if (sub.id.empty() || !isKnownStatus(sub.status)) throw HttpError(502, "payment provider returned an unexpected subscription");
  SubscriptionRow row;
  row.id = sub.id;
  row.userId = user.id;
  row.customerId = customerId;
  row.plan = plan->id;
  row.priceId = plan->priceId;
  row.itemId = sub.itemId;
  row.status = sub.status;
  row.currentPeriodStart = isoFromUnix(sub.currentPeriodStart);
  row.currentPeriodEnd = isoFromUnix(sub.currentPeriodEnd);
  row.cancelAtPeriodEnd = sub.cancelAtPeriodEnd;
  db_.transaction([&](Poco::Data::Session& s) {
    store_.insertIfAbsent(s, row);
    trials::saveFromApi(s, db_, sub.id, trialEnd);
    store_.syncUserTier(s, user.id);
  });
  auto out = json::object();
  out->set("subscriptionId", sub.id);
  out->set("plan", plan->id);
  out->set("status", sub.status);
  out->set("clientSecret", textOrNull(sub.clientSecret));
  out->set("trialEndsAt", textOrNull(isoFromUnix(trialEnd)));
  res.json(201, out);
}

void SubscriptionRoutes::cancel(Request& req, Response& res) {
  const User& user = req.requireUser();
  StripeClient& client = requireClient();
  bool atPeriodEnd = json::requireBool(req.jsonBody(), "atPeriodEnd");
  auto sub = currentSubscription(user.id);
  if (!sub || statusIsTerminal(sub->status)) throw HttpError(404, "you have no subscription to cancel");

  if (atPeriodEnd) {
    if (!sub->cancelAtPeriodEnd) {
      stripeCall(log_, "cancel at period end", [&] {
        return client.post("/v1/subscriptions/" + sub->id, FormBody().add("cancel_at_period_end", "true"));
      });
      auto s = db_.session();
      store_.setCancelAtPeriodEnd(s, sub->id, true);
    }
  } else {
    auto canceled = stripeCall(log_, "cancel", [&] { return client.del("/v1/subscriptions/" + sub->id); });
    db_.transaction([&](Poco::Data::Session& s) {
      store_.markCanceled(s, sub->id, isoFromUnix(field::integer(canceled, "canceled_at")));
      store_.syncUserTier(s, user.id);
    });
  }
  res.json(200, currentJson(user.id));
}

SubscriptionRoutes::PlanChange SubscriptionRoutes::planChange(const User& user, const json::ObjectPtr& body,
                                                              const std::string& planField) {
  StripeClient& client = requireClient();
  std::string planId = json::requireString(body, planField);
  const Plan* plan = config_.plans.byId(planId);
  if (!plan) throw HttpError(400, "unknown " + planField);
  auto sub = currentSubscription(user.id);
  if (!sub || statusIsTerminal(sub->status) || sub->status == "incomplete")
    throw HttpError(404, "you have no active subscription to change");
  if (sub->plan == plan->id) throw HttpError(409, "you are already on this plan");

  std::string itemId = sub->itemId;
  if (itemId.empty()) {
    auto fetched = stripeCall(log_, "read subscription", [&] { return client.get("/v1/subscriptions/" + sub->id); });
    itemId = parseSubscription(fetched).itemId;
    if (itemId.empty()) throw HttpError(502, "payment provider returned a subscription without items");
  }
  return {*sub, plan, itemId};
}

void SubscriptionRoutes::changePlan(Request& req, Response& res) {
  const User& user = req.requireUser();
  requireClient();  // 503 before anything about the body
  auto body = req.jsonBody();
  PlanChange change = planChange(user, body, "newPlanId");
  FormBody form;
  form.add({"items", "0", "id"}, change.itemId)
      .add({"items", "0", "price"}, change.plan->priceId)
      .add("proration_behavior", config_.prorationBehavior);
  // The preview's effectiveAt, sent back: Stripe prorates as of that second, so the charge
  // (and the upgrade credits) are exactly what the preview showed.
  if (auto at = prorationDateParam(body, change.subscription)) form.add("proration_date", std::to_string(*at));
  stripeCall(log_, "change plan", [&] { return requireClient().post("/v1/subscriptions/" + change.subscription.id, form); });
  db_.transaction([&](Poco::Data::Session& s) {
    store_.setPlan(s, change.subscription.id, *change.plan);
    store_.syncUserTier(s, user.id);
  });
  res.json(200, currentJson(user.id));
}

}  // namespace cc::billing
