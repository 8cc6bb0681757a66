// /api/subscriptions/* against the real host and the fake Stripe API: what is sent to
// Stripe, what the caller gets back, and every bad input answered with a 4xx and no effect.
#include "support/billing_host.hpp"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <atomic>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

class SubscriptionsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stripe_ = new FakeStripeServer;
    billing_ = new BillingHost(billingConfig(*stripe_));
    ASSERT_TRUE(billing_->host.start()) << billing_->host.output();
  }
  static void TearDownTestSuite() {
    billing_->host.stop();
    delete billing_;
    delete stripe_;
  }
  void SetUp() override {
    email = "api" + std::to_string(nextId()) + "@example.com";
    token = billing_->host.signup(email);
    user = billing_->userId(token);
  }
  cc::test::HttpResult post(const std::string& path, const std::string& body) { return billing_->host.post(path, body, token); }
  std::string tier() { return billing_->value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"); }

  /// Creates through the API, then lets Stripe's "active" update arrive.
  std::string activeSubscription(const std::string& planId = "startup_monthly") {
    auto r = post("/api/subscriptions/create", "{\"planId\":\"" + planId + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    std::string subId = jsonField(r.body, "subscriptionId");
    auto stored = stripe_->subscription(subId);
    SubscriptionFixture f;
    f.id = subId;
    f.customer = stored->getValue<std::string>("customer");
    f.itemId = stored->getObject("items")->getArray("data")->getObject(0)->getValue<std::string>("id");
    f.priceId = "price_" + planId;
    f.status = "active";
    f.userId = user;
    EXPECT_EQ(billing_->webhook(subscriptionEvent("evt_active_" + subId, "customer.subscription.updated", nowUnix(), f)).status, 200);
    return subId;
  }

  static FakeStripeServer* stripe_;
  static BillingHost* billing_;
  std::string email, token, user;
};
FakeStripeServer* SubscriptionsApi::stripe_ = nullptr;
BillingHost* SubscriptionsApi::billing_ = nullptr;

}  // namespace

TEST_F(SubscriptionsApi, PlansArePublicWithTheGuidesFigures) {
  auto r = billing_->host.get("/api/subscriptions/plans");
  ASSERT_EQ(r.status, 200) << r.body;
  auto plans = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(plans->size(), 4u);
  struct Expect { const char* id; const char* name; const char* price; int credits; const char* interval; double dollars; };
  Expect expected[] = {{"startup_monthly", "Startup Audit - Monthly", "price_startup_monthly", 300, "month", 49},
                       {"startup_annual", "Startup Audit - Annual", "price_startup_annual", 350, "year", 499},
                       {"enterprise_monthly", "Enterprise Deep Dive - Monthly", "price_enterprise_monthly", 1000, "month", 149},
                       {"enterprise_annual", "Enterprise Deep Dive - Annual", "price_enterprise_annual", 1200, "year", 1499}};
  for (std::size_t i = 0; i < 4; ++i) {
    auto p = plans->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(p->getValue<std::string>("id"), expected[i].id);
    EXPECT_EQ(p->getValue<std::string>("name"), expected[i].name);
    EXPECT_EQ(p->getValue<std::string>("priceId"), expected[i].price);
    EXPECT_EQ(p->getValue<int>("creditsPerMonth"), expected[i].credits);
    EXPECT_EQ(p->getValue<std::string>("interval"), expected[i].interval);
    EXPECT_DOUBLE_EQ(p->getValue<double>("price"), expected[i].dollars);
  }
}

TEST_F(SubscriptionsApi, CurrentWithoutSubscriptionSaysNone) {
  auto r = billing_->host.get("/api/subscriptions/current", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "status"), "none");
  EXPECT_NE(r.body.find("\"plan\":null"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"plan_details\":null"), std::string::npos) << r.body;
  EXPECT_EQ(jsonField(r.body, "credits"), "0");
  EXPECT_EQ(billing_->host.get("/api/subscriptions/current").status, 401);
}

TEST_F(SubscriptionsApi, CreateMakesOneCustomerAndAnIncompleteSubscription) {
  auto before = stripe_->requests("POST", "/v1/customers").size();
  auto r = post("/api/subscriptions/create", R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(jsonField(r.body, "status"), "incomplete");
  EXPECT_NE(jsonField(r.body, "clientSecret").find("_secret_"), std::string::npos);
  std::string subId = jsonField(r.body, "subscriptionId");

  auto customers = stripe_->requests("POST", "/v1/customers");
  ASSERT_EQ(customers.size(), before + 1);
  EXPECT_EQ(customers.back().field("metadata[user_id]"), user);
  EXPECT_EQ(customers.back().field("email"), email);
  auto created = stripe_->requests("POST", "/v1/subscriptions").back();
  EXPECT_EQ(created.field("items[0][price]"), "price_startup_monthly");
  EXPECT_EQ(created.field("payment_behavior"), "default_incomplete");
  EXPECT_EQ(created.field("payment_settings[save_default_payment_method]"), "on_subscription");
  EXPECT_EQ(created.field("expand[0]"), "latest_invoice.confirmation_secret");
  EXPECT_EQ(created.field("metadata[user_id]"), user);
  EXPECT_FALSE(created.header("Idempotency-Key").empty());

  auto current = billing_->host.get("/api/subscriptions/current", token);
  EXPECT_EQ(jsonField(current.body, "subscriptionId"), subId);
  EXPECT_EQ(jsonField(current.body, "status"), "incomplete");
  EXPECT_EQ(tier(), "free");

  // Trying again while unpaid reuses the stored customer.
  ASSERT_EQ(post("/api/subscriptions/create", R"({"planId":"enterprise_annual"})").status, 201);
  EXPECT_EQ(stripe_->requests("POST", "/v1/customers").size(), before + 1);
  EXPECT_EQ(stripe_->requests("POST", "/v1/subscriptions").back().field("customer"), created.field("customer"));
}

TEST_F(SubscriptionsApi, CreateAnswerAndItsWebhooksShareOneRow) {
  auto r = post("/api/subscriptions/create", R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 201);
  std::string subId = jsonField(r.body, "subscriptionId");
  auto stored = stripe_->subscription(subId);
  SubscriptionFixture f;
  f.id = subId;
  f.customer = stored->getValue<std::string>("customer");
  f.status = "incomplete";
  // Stripe's created event lands after the API answer was stored, then the payment activates it.
  ASSERT_EQ(billing_->webhook(subscriptionEvent("evt_c_" + subId, "customer.subscription.created", nowUnix(), f)).status, 200);
  f.status = "active";
  ASSERT_EQ(billing_->webhook(subscriptionEvent("evt_u_" + subId, "customer.subscription.updated", nowUnix() + 1, f)).status, 200);
  EXPECT_EQ(billing_->count("SELECT 1 FROM \"Subscription\" WHERE \"userId\" = '" + user + "'"), 1);
  EXPECT_EQ(billing_->value("SELECT status FROM \"Subscription\" WHERE id = '" + subId + "'"), "active");
  EXPECT_EQ(tier(), "startup");
}

TEST_F(SubscriptionsApi, SecondSubscriptionIsRefusedWhileOneIsActive) {
  activeSubscription();
  EXPECT_EQ(tier(), "startup");
  auto r = post("/api/subscriptions/create", R"({"planId":"enterprise_monthly"})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("change-plan"), std::string::npos);
}

TEST_F(SubscriptionsApi, BadInputIs4xxAndReachesNoStripe) {
  auto before = stripe_->requests().size();
  struct Case { const char* path; const char* body; int status; };
  for (auto c : {Case{"/api/subscriptions/create", "{}", 400}, Case{"/api/subscriptions/create", "nope", 400},
                 Case{"/api/subscriptions/create", "[]", 400}, Case{"/api/subscriptions/create", R"({"planId":"gold"})", 400},
                 Case{"/api/subscriptions/create", R"({"planId":5})", 400},
                 Case{"/api/subscriptions/cancel", "{}", 400}, Case{"/api/subscriptions/cancel", R"({"atPeriodEnd":"yes"})", 400},
                 Case{"/api/subscriptions/cancel", R"({"atPeriodEnd":true})", 404},
                 Case{"/api/subscriptions/change-plan", "{}", 400},
                 Case{"/api/subscriptions/change-plan", R"({"newPlanId":"platinum"})", 400},
                 Case{"/api/subscriptions/change-plan", R"({"newPlanId":"enterprise_monthly"})", 404}}) {
    auto r = post(c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.body << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty());
  }
  for (const char* path : {"/api/subscriptions/create", "/api/subscriptions/cancel", "/api/subscriptions/change-plan"})
    EXPECT_EQ(billing_->host.post(path, R"({"planId":"startup_monthly"})").status, 401);
  EXPECT_EQ(stripe_->requests().size(), before);
  EXPECT_EQ(billing_->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 0);
}

TEST_F(SubscriptionsApi, CancelAtPeriodEndKeepsAccessCancelNowEndsIt) {
  std::string subId = activeSubscription();
  auto r = post("/api/subscriptions/cancel", R"({"atPeriodEnd":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "cancelAtPeriodEnd"), "true");
  EXPECT_EQ(jsonField(r.body, "status"), "active");
  EXPECT_EQ(stripe_->requests("POST", "/v1/subscriptions/" + subId).back().field("cancel_at_period_end"), "true");
  EXPECT_EQ(tier(), "startup");

  r = post("/api/subscriptions/cancel", R"({"atPeriodEnd":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "status"), "canceled");
  EXPECT_EQ(stripe_->requests("DELETE", "/v1/subscriptions/" + subId).size(), 1u);
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(post("/api/subscriptions/cancel", R"({"atPeriodEnd":false})").status, 404);
}

TEST_F(SubscriptionsApi, ChangePlanSendsItemPriceAndProration) {
  std::string subId = activeSubscription();
  auto r = post("/api/subscriptions/change-plan", R"({"newPlanId":"enterprise_monthly"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "plan"), "enterprise_monthly");
  auto sent = stripe_->requests("POST", "/v1/subscriptions/" + subId).back();
  EXPECT_EQ(sent.field("items[0][id]"), stripe_->subscription(subId)->getObject("items")->getArray("data")->getObject(0)->getValue<std::string>("id"));
  EXPECT_EQ(sent.field("items[0][price]"), "price_enterprise_monthly");
  EXPECT_EQ(sent.field("proration_behavior"), "create_prorations");
  EXPECT_EQ(tier(), "enterprise");
  EXPECT_EQ(post("/api/subscriptions/change-plan", R"({"newPlanId":"enterprise_monthly"})").status, 409);
}

TEST_F(SubscriptionsApi, StripeOutageIsRetriedWithOneKeyThenReported) {
  stripe_->failNext(ScriptedFailure{500}, 2);
  auto r = post("/api/subscriptions/create", R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto customers = stripe_->requests("POST", "/v1/customers");
  ASSERT_GE(customers.size(), 3u);
  std::string key = customers.back().header("Idempotency-Key");
  EXPECT_EQ(customers[customers.size() - 2].header("Idempotency-Key"), key);
  EXPECT_EQ(customers[customers.size() - 3].header("Idempotency-Key"), key);

  std::string other = billing_->host.signup("down" + std::to_string(nextId()) + "@example.com");
  stripe_->failNext(ScriptedFailure{503}, 4);  // the first try and max_retries (3) retries
  auto down = billing_->host.post("/api/subscriptions/create", R"({"planId":"startup_monthly"})", other);
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_FALSE(jsonField(down.body, "error").empty());
  std::string poorer = billing_->host.signup("card" + std::to_string(nextId()) + "@example.com");
  // failNext applies to the next request: let the customer through, then decline the card.
  ASSERT_EQ(billing_->host.post("/api/subscriptions/create", R"({"planId":"startup_monthly"})", poorer).status, 201);
  billing_->host.post("/api/subscriptions/cancel", R"({"atPeriodEnd":false})", poorer);
  stripe_->failNext(ScriptedFailure{402, "card_error", "card_declined", "Your card was declined."}, 1);
  auto declined = billing_->host.post("/api/subscriptions/create", R"({"planId":"startup_monthly"})", poorer);
  EXPECT_EQ(declined.status, 402) << declined.body;
  EXPECT_EQ(jsonField(declined.body, "error"), "Your card was declined.");
}

TEST_F(SubscriptionsApi, SecretKeyNeverReachesTheLog) {
  post("/api/subscriptions/create", R"({"planId":"startup_monthly"})");
  EXPECT_EQ(billing_->host.output().find("sk_test_123"), std::string::npos);
  EXPECT_EQ(billing_->host.output().find(kWebhookSecret), std::string::npos);
}

TEST(SubscriptionsApiUnconfigured, OnlyPlansAnswerWithoutASecretKey) {
  BillingHost billing("{ secret_key: '', webhook_secret: '' }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  std::string token = billing.host.signup("unconfigured@example.com");
  EXPECT_EQ(billing.host.get("/api/subscriptions/plans").status, 200);
  auto create = billing.host.post("/api/subscriptions/create", R"({"planId":"startup_monthly"})", token);
  EXPECT_EQ(create.status, 503);
  EXPECT_EQ(jsonField(create.body, "error"), "billing is not configured");
  EXPECT_EQ(billing.host.get("/api/subscriptions/current", token).status, 503);
  EXPECT_EQ(billing.host.post("/api/subscriptions/cancel", R"({"atPeriodEnd":true})", token).status, 503);
  EXPECT_EQ(billing.host.post("/api/subscriptions/change-plan", R"({"newPlanId":"startup_annual"})", token).status, 503);
  EXPECT_EQ(billing.webhook("{}").status, 503);
  EXPECT_TRUE(billing.host.waitForOutput("subscription endpoints answer 503"));
}

TEST(SubscriptionsApiCheckout, CheckoutFlowReturnsTheSessionUrl) {
  FakeStripeServer stripe;
  BillingHost billing(billingConfig(stripe, ", payment_flow: checkout, checkout_success_url: 'https://app.test/ok'"));
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  std::string token = billing.host.signup("checkout@example.com");
  auto r = billing.host.post("/api/subscriptions/create", R"({"planId":"enterprise_annual"})", token);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(cc::test::jsonField(r.body, "checkoutUrl").rfind("https://checkout.stripe.com/", 0), 0u);
  auto sent = stripe.requests("POST", "/v1/checkout/sessions");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].field("mode"), "subscription");
  EXPECT_EQ(sent[0].field("line_items[0][price]"), "price_enterprise_annual");
  EXPECT_EQ(sent[0].field("line_items[0][quantity]"), "1");
  EXPECT_EQ(sent[0].field("success_url"), "https://app.test/ok");
  EXPECT_EQ(sent[0].field("client_reference_id"), billing.userId(token));
  EXPECT_TRUE(stripe.requests("POST", "/v1/subscriptions").empty());
}
