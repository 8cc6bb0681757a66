// Trials and promotion codes against the real host and the fake Stripe API, on SQLite and
// PostgreSQL: trial_period_days sent on create (subscription_data[...] in Checkout) for a plan
// with trial_days and never a second time for a returning user; trialEndsAt from
// customer.subscription.* events, kept exact under redelivery, reordering and two hosts;
// promotionCode looked up at Stripe and applied as discounts[0][promotion_code], unknown,
// inactive, expired and malformed codes answered 400 (malformed ones with no Stripe call).
#include "support/billing_host.hpp"

#include "src/stripe_objects.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

constexpr int kTrialDays = 14;
// A trial on startup_monthly only: enterprise_monthly stands for a plan without one.
const std::string kTrialPlans = ", plans: {startup_monthly: {trial_days: " + std::to_string(kTrialDays) + "}}";

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

bool isNull(const std::string& body, const std::string& key) {
  auto o = parseObject(body);
  return o->has(key) && o->isNull(key);
}

/// The event with data.object.trial_end set (0: null, as Stripe sends for no trial).
std::string withTrialEnd(const std::string& eventJson, std::int64_t trialEnd) {
  auto event = parseObject(eventJson);
  auto object = event->getObject("data")->getObject("object");
  if (trialEnd > 0) object->set("trial_end", trialEnd);
  else object->set("trial_end", Poco::Dynamic::Var());
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(event, out);
  return out.str();
}

struct Deployment {
  FakeStripeServer stripe;
  std::unique_ptr<BillingHost> billing;
  std::unique_ptr<BillingHost> second;  ///< another host on the same PostgreSQL database, on demand
};

class TrialsAndPromotionCodes : public ::testing::TestWithParam<std::string> {
 protected:
  /// One deployment per (engine, payment flow), shared by the suite.
  static std::map<std::string, std::unique_ptr<Deployment>>& deployments() {
    static std::map<std::string, std::unique_ptr<Deployment>> all;
    return all;
  }
  static void TearDownTestSuite() {
    for (auto& [key, d] : deployments()) {
      if (d->second) d->second->host.stop();
      d->billing->host.stop();
    }
    deployments().clear();
  }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    n = std::to_string(nextId());
  }
  Deployment& deployment(const std::string& flow) {
    auto& d = deployments()[GetParam() + "/" + flow];
    if (!d) {
      d = std::make_unique<Deployment>();
      std::string url = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_trials") : "";
      d->billing = std::make_unique<BillingHost>(
          billingConfig(d->stripe, kTrialPlans + (flow == "checkout" ? ", payment_flow: checkout" : "")), nullptr, url);
      if (!d->billing->host.start()) {
        std::string output = d->billing->host.output();
        deployments().erase(GetParam() + "/" + flow);
        throw std::runtime_error("the billing host did not start:\n" + output);
      }
    }
    return *d;
  }
  /// Signs up a new user on `d`; sets token and user.
  void signup(Deployment& d) {
    token = d.billing->host.signup("trial" + n + "@example.com");
    user = d.billing->userId(token);
  }
  cc::test::HttpResult create(Deployment& d, const std::string& body) {
    return d.billing->host.post("/api/subscriptions/create", body, token);
  }
  cc::test::HttpResult current(Deployment& d) { return d.billing->host.get("/api/subscriptions/current", token); }

  std::string n, token, user;
};

// ---- trials ---------------------------------------------------------------------------------

TEST_P(TrialsAndPromotionCodes, CreateOnATrialPlanStartsATrialShownByCurrent) {
  auto& d = deployment("elements");
  signup(d);
  auto r = create(d, R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto sent = d.stripe.requests("POST", "/v1/subscriptions").back();
  EXPECT_EQ(sent.field("trial_period_days"), std::to_string(kTrialDays)) << sent.body;
  EXPECT_EQ(jsonField(r.body, "status"), "trialing");
  // No payment to confirm in a trial: the client secret is the SetupIntent's, for the card.
  EXPECT_EQ(jsonField(r.body, "clientSecret").rfind("seti_", 0), 0u) << r.body;

  std::int64_t trialEnd = d.stripe.subscription(jsonField(r.body, "subscriptionId"))->getValue<std::int64_t>("trial_end");
  auto c = current(d);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(jsonField(c.body, "status"), "trialing");
  EXPECT_EQ(jsonField(c.body, "trialEndsAt"), cc::billing::isoFromUnix(trialEnd)) << c.body;
  EXPECT_EQ(jsonField(r.body, "trialEndsAt"), jsonField(c.body, "trialEndsAt"));
  EXPECT_EQ(jsonField(c.body, "hasAccess"), "true");
}

TEST_P(TrialsAndPromotionCodes, APlanWithoutTrialDaysSendsNoTrial) {
  auto& d = deployment("elements");
  signup(d);
  auto r = create(d, R"({"planId":"enterprise_monthly"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto sent = d.stripe.requests("POST", "/v1/subscriptions").back();
  EXPECT_FALSE(sent.hasField("trial_period_days")) << sent.body;
  EXPECT_EQ(jsonField(r.body, "status"), "incomplete");
  EXPECT_TRUE(isNull(current(d).body, "trialEndsAt"));
}

TEST_P(TrialsAndPromotionCodes, AReturningUserGetsNoSecondTrial) {
  auto& d = deployment("elements");
  signup(d);
  auto first = create(d, R"({"planId":"startup_monthly"})");
  ASSERT_EQ(first.status, 201) << first.body;
  ASSERT_EQ(d.billing->host.post("/api/subscriptions/cancel", R"({"atPeriodEnd":false})", token).status, 200);

  auto again = create(d, R"({"planId":"startup_monthly"})");
  ASSERT_EQ(again.status, 201) << again.body;
  auto sent = d.stripe.requests("POST", "/v1/subscriptions").back();
  EXPECT_FALSE(sent.hasField("trial_period_days")) << sent.body;
  EXPECT_EQ(jsonField(again.body, "status"), "incomplete");
  EXPECT_TRUE(isNull(again.body, "trialEndsAt")) << again.body;
}

TEST_P(TrialsAndPromotionCodes, CheckoutPassesTheTrialInSubscriptionData) {
  auto& d = deployment("checkout");
  signup(d);
  auto r = create(d, R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto sent = d.stripe.requests("POST", "/v1/checkout/sessions").back();
  EXPECT_EQ(sent.field("subscription_data[trial_period_days]"), std::to_string(kTrialDays)) << sent.body;
  EXPECT_FALSE(sent.hasField("trial_period_days"));

  auto none = create(d, R"({"planId":"enterprise_monthly"})");  // still no subscription: no 409
  ASSERT_EQ(none.status, 201) << none.body;
  EXPECT_FALSE(d.stripe.requests("POST", "/v1/checkout/sessions").back().hasField("subscription_data[trial_period_days]"));
}

TEST_P(TrialsAndPromotionCodes, CheckoutGivesAReturningUserNoSecondTrial) {
  auto& d = deployment("checkout");
  signup(d);
  // An earlier subscription that ended (Stripe's events are the only writer in this flow).
  SubscriptionFixture old;
  old.id = "sub_old" + n;
  old.customer = "cus_old" + n;
  old.status = "incomplete_expired";
  old.userId = user;
  ASSERT_EQ(d.billing->webhook(subscriptionEvent("evt_old" + n, "customer.subscription.created", nowUnix(), old)).status,
            200);
  auto r = create(d, R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto sent = d.stripe.requests("POST", "/v1/checkout/sessions").back();
  EXPECT_EQ(sent.field("customer"), old.customer);
  EXPECT_FALSE(sent.hasField("subscription_data[trial_period_days]")) << sent.body;
}

TEST_P(TrialsAndPromotionCodes, TrialEndsAtFollowsTheNewestEventUnderRedeliveryAndReordering) {
  auto& d = deployment("elements");
  signup(d);
  SubscriptionFixture sub;
  sub.id = "sub_tr" + n;
  sub.customer = "cus_tr" + n;
  sub.status = "trialing";
  sub.userId = user;
  const std::int64_t t0 = nowUnix() - 100;
  const std::int64_t firstEnd = 1767225600;     // 2026-01-01T00:00:00Z
  const std::int64_t extendedEnd = 1768435200;  // 2026-01-15T00:00:00Z
  std::string created = withTrialEnd(subscriptionEvent("evt_trc" + n, "customer.subscription.created", t0, sub), firstEnd);
  std::string extended =
      withTrialEnd(subscriptionEvent("evt_tru" + n, "customer.subscription.updated", t0 + 10, sub), extendedEnd);

  // The update (the trial was extended) arrives first, the older created event after it.
  ASSERT_EQ(d.billing->webhook(extended).status, 200);
  EXPECT_EQ(jsonField(current(d).body, "trialEndsAt"), "2026-01-15T00:00:00.000Z");
  ASSERT_EQ(d.billing->webhook(created).status, 200);
  for (auto* event : {&created, &extended, &created}) ASSERT_EQ(d.billing->webhook(*event).status, 200);
  auto c = current(d);
  EXPECT_EQ(jsonField(c.body, "trialEndsAt"), "2026-01-15T00:00:00.000Z") << c.body;
  EXPECT_EQ(jsonField(c.body, "status"), "trialing");
  EXPECT_EQ(d.billing->count("SELECT id FROM stripe_events WHERE id IN ('evt_trc" + n + "', 'evt_tru" + n + "')"), 2);

  // The trial ends early (trial_end is now): a newer event replaces the stored end.
  sub.status = "active";
  std::string ended = withTrialEnd(subscriptionEvent("evt_tre" + n, "customer.subscription.updated", t0 + 20, sub), firstEnd);
  ASSERT_EQ(d.billing->webhook(ended).status, 200);
  EXPECT_EQ(jsonField(current(d).body, "trialEndsAt"), "2026-01-01T00:00:00.000Z");
}

TEST_P(TrialsAndPromotionCodes, ACreatedEventInOrderShowsTheTrialEnd) {
  auto& d = deployment("elements");
  signup(d);
  SubscriptionFixture sub;
  sub.id = "sub_tro" + n;
  sub.customer = "cus_tro" + n;
  sub.status = "trialing";
  sub.userId = user;
  EXPECT_TRUE(isNull(current(d).body, "trialEndsAt"));
  std::string created =
      withTrialEnd(subscriptionEvent("evt_tro" + n, "customer.subscription.created", nowUnix(), sub), 1767225600);
  ASSERT_EQ(d.billing->webhook(created).status, 200);
  ASSERT_EQ(d.billing->webhook(created).status, 200);  // redelivered
  auto c = current(d);
  EXPECT_EQ(jsonField(c.body, "trialEndsAt"), "2026-01-01T00:00:00.000Z") << c.body;
  EXPECT_EQ(jsonField(c.body, "status"), "trialing");

  // The trial's $0 first invoice, paid at once by Stripe, grants the plan's month of credits.
  InvoiceFixture invoice;
  invoice.id = "in_tro" + n;
  invoice.customer = sub.customer;
  invoice.subscription = sub.id;
  invoice.amountPaid = 0;
  invoice.amountDue = 0;
  invoice.billingReason = "subscription_create";
  ASSERT_EQ(d.billing->webhook(invoiceEvent("evt_troi" + n, "invoice.paid", nowUnix(), invoice)).status, 200);
  EXPECT_EQ(jsonField(current(d).body, "credits"), "300");
}

TEST_P(TrialsAndPromotionCodes, TwoHostsOnOneDatabaseApplyATrialEventOnce) {
  // On PostgreSQL a second host on the same database takes half the deliveries; SQLite is one
  // host's file, so there the threads share one host.
  auto& d = deployment("elements");
  if (!d.second && GetParam() == "postgresql") {
    d.second = std::make_unique<BillingHost>(billingConfig(d.stripe, kTrialPlans), nullptr, d.billing->host.databaseUrl());
    ASSERT_TRUE(d.second->host.start()) << d.second->host.output();
  }
  signup(d);
  SubscriptionFixture sub;
  sub.id = "sub_two" + n;
  sub.customer = "cus_two" + n;
  sub.status = "trialing";
  sub.userId = user;
  const std::int64_t t0 = nowUnix() - 100;
  std::string created = withTrialEnd(subscriptionEvent("evt_twoc" + n, "customer.subscription.created", t0, sub), 1767225600);
  std::string extended =
      withTrialEnd(subscriptionEvent("evt_twou" + n, "customer.subscription.updated", t0 + 10, sub), 1768435200);
  // The newer event first, to both hosts at once and twice each; then the older one, likewise.
  std::atomic<int> ok{0};
  for (const std::string* event : {&extended, &created}) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&, i] {
        BillingHost& host = i % 2 == 0 || !d.second ? *d.billing : *d.second;
        if (host.webhook(*event).status == 200) ++ok;
      });
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(jsonField(current(d).body, "trialEndsAt"), "2026-01-15T00:00:00.000Z");
  EXPECT_EQ(d.billing->count("SELECT id FROM stripe_events WHERE id IN ('evt_twoc" + n + "', 'evt_twou" + n + "')"), 2);
  EXPECT_EQ(d.billing->count("SELECT id FROM \"Subscription\" WHERE \"userId\" = '" + user + "'"), 1);
}

// ---- promotion codes ------------------------------------------------------------------------

TEST_P(TrialsAndPromotionCodes, AValidPromotionCodeIsAppliedOnCreate) {
  auto& d = deployment("elements");
  signup(d);
  d.stripe.addPromotionCode("promo_spring" + n, "SPRING" + n, true);
  auto r = create(d, R"({"planId":"enterprise_monthly","promotionCode":"spring)" + n + R"("})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto lookup = d.stripe.requests("GET", "/v1/promotion_codes").back();
  EXPECT_EQ(lookup.field("code"), "spring" + n);  // Stripe compares codes case-insensitively
  auto sent = d.stripe.requests("POST", "/v1/subscriptions").back();
  EXPECT_EQ(sent.field("discounts[0][promotion_code]"), "promo_spring" + n) << sent.body;
}

TEST_P(TrialsAndPromotionCodes, AValidPromotionCodeIsAppliedInCheckout) {
  auto& d = deployment("checkout");
  signup(d);
  d.stripe.addPromotionCode("promo_ck" + n, "CK" + n, true);
  auto r = create(d, R"({"planId":"startup_monthly","promotionCode":"CK)" + n + R"("})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto sent = d.stripe.requests("POST", "/v1/checkout/sessions").back();
  EXPECT_EQ(sent.field("discounts[0][promotion_code]"), "promo_ck" + n) << sent.body;
  EXPECT_EQ(sent.field("subscription_data[trial_period_days]"), std::to_string(kTrialDays));  // both at once
  EXPECT_FALSE(sent.hasField("allow_promotion_codes"));  // Stripe refuses it together with discounts
}

TEST_P(TrialsAndPromotionCodes, UnknownInactiveExpiredAndUsedUpCodesAre400AndCreateNothing) {
  auto& d = deployment("elements");
  signup(d);
  d.stripe.addPromotionCode("promo_off" + n, "OFF" + n, false);
  d.stripe.addPromotionCode("promo_old" + n, "OLD" + n, true, R"("expires_at":1600000000)");
  d.stripe.addPromotionCode("promo_used" + n, "USED" + n, true, R"("max_redemptions":5,"times_redeemed":5)");
  d.stripe.addPromotionCode("promo_gone" + n, "GONE" + n, true, R"("coupon":{"id":"co_g","valid":false})");
  const std::map<std::string, std::string> expected{{"NOPE" + n, "does not exist"},
                                                    {"OFF" + n, "is not active"},
                                                    {"OLD" + n, "has expired"},
                                                    {"USED" + n, "has been used up"},
                                                    {"GONE" + n, "is no longer valid"}};
  for (auto& [code, why] : expected) {
    auto lookups = d.stripe.requests("GET", "/v1/promotion_codes").size();
    auto r = create(d, R"({"planId":"startup_monthly","promotionCode":")" + code + R"("})");
    EXPECT_EQ(r.status, 400) << code << ": " << r.body;
    EXPECT_EQ(jsonField(r.body, "error"), "promotion code '" + code + "' " + why) << r.body;
    EXPECT_EQ(d.stripe.requests("GET", "/v1/promotion_codes").size(), lookups + 1);
  }
  // Nothing was created, not even the Stripe customer.
  EXPECT_EQ(d.billing->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 0);
  EXPECT_EQ(d.billing->count("SELECT 1 FROM \"Subscription\" WHERE \"userId\" = '" + user + "'"), 0);
  // ...and the user still gets the trial later: a refused attempt is no subscription.
  auto ok = create(d, R"({"planId":"startup_monthly"})");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(d.stripe.requests("POST", "/v1/subscriptions").back().field("trial_period_days"), std::to_string(kTrialDays));
}

TEST_P(TrialsAndPromotionCodes, ACodeStripeRefusesWhenRedeemingIs400WithStripesReason) {
  for (std::string flow : {"elements", "checkout"}) {
    auto& d = deployment(flow);
    n = std::to_string(nextId());
    signup(d);
    d.stripe.addPromotionCode("promo_first" + n, "FIRST" + n, true, R"("restrictions":{"first_time_transaction":true})");
    auto r = create(d, R"({"planId":"startup_monthly","promotionCode":"FIRST)" + n + R"("})");
    EXPECT_EQ(r.status, 400) << flow << ": " << r.body;
    EXPECT_EQ(jsonField(r.body, "error"), "promotion code 'FIRST" + n +
                                              "' cannot be used: This promotion code cannot be redeemed because the "
                                              "associated customer has prior transactions.")
        << r.body;
    EXPECT_EQ(d.billing->count("SELECT 1 FROM \"Subscription\" WHERE \"userId\" = '" + user + "'"), 0);
  }
}

TEST_P(TrialsAndPromotionCodes, MalformedCodesAre400WithoutAStripeCall) {
  auto& d = deployment("elements");
  signup(d);
  const std::vector<std::string> bad{
      R"("")",                                   // empty
      R"("SPRING 25")",                          // space
      R"("A&active=false")",                     // would change Stripe's query string
      R"("SPRING%2025")",                        // percent
      R"("SPR\u0000ING")",                       // NUL
      R"("SPRING\n25")",                         // control character
      R"("\u00c4BC")",                           // not ASCII
      R"("promo_\u202eABC")",                    // bidi override
      "\"" + std::string(501, 'A') + "\"",       // longer than Stripe allows
      "25", "true", "[\"A\"]", "{\"code\":\"A\"}"};  // not a string
  for (auto& value : bad) {
    auto before = d.stripe.requests().size();
    auto r = create(d, R"({"planId":"startup_monthly","promotionCode":)" + value + "}");
    EXPECT_EQ(r.status, 400) << value << ": " << r.body;
    EXPECT_NE(jsonField(r.body, "error").find("promotionCode"), std::string::npos) << r.body;
    EXPECT_EQ(d.stripe.requests().size(), before) << value;
  }
  // The longest code Stripe allows is accepted (and then looked up).
  auto longest = create(d, R"({"planId":"startup_monthly","promotionCode":")" + std::string(500, 'A') + "\"}");
  EXPECT_EQ(longest.status, 400) << longest.body;
  EXPECT_NE(jsonField(longest.body, "error").find("does not exist"), std::string::npos) << longest.body;
  EXPECT_EQ(d.billing->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, TrialsAndPromotionCodes, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(TrialsAndPromotionCodesUnconfigured, CreateWithAPromotionCodeIs503WithoutStripe) {
  FakeStripeServer stripe;
  BillingHost billing("{ secret_key: '', webhook_secret: '', api_base: '" + stripe.baseUrl() + "'" + kTrialPlans + " }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  std::string token = billing.host.signup("trial-unconfigured@example.com");
  for (auto body : {R"({"planId":"startup_monthly","promotionCode":"SPRING25"})",
                    R"({"planId":"startup_monthly","promotionCode":"bad code"})"}) {
    auto r = billing.host.post("/api/subscriptions/create", body, token);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty());
  }
  auto c = billing.host.get("/api/subscriptions/current", token);
  EXPECT_EQ(c.status, 503) << c.body;
  EXPECT_TRUE(stripe.requests().empty());
}

TEST(TrialsAndPromotionCodesConfig, ABadTrialDaysStopsTheHostNamingTheKeyAndLine) {
  FakeStripeServer stripe;
  BillingHost billing(billingConfig(stripe, ", plans: {startup_monthly: {trial_days: 731}}"));
  EXPECT_FALSE(billing.host.start());
  std::string out = billing.host.output();
  EXPECT_NE(out.find("plugins[0].config.plans.startup_monthly.trial_days (" + billing.host.configPath() + ":"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("must be between 0 and 730"), std::string::npos) << out;
}

}  // namespace
