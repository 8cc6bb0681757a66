// Stripe's live and test modes (docs/billing.md, "Live and test mode"): an event or a fetched
// object of the other mode than the deployment's grants nothing and changes no tier, and a
// key that does not tell the mode stops the host at start-up.
#include "src/billing_config.hpp"
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>

using namespace cc::billing;
using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

constexpr std::int64_t kDay = 86400;

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

/// The fixtures are test-mode events ("livemode":false); this one comes from live mode.
std::string asLiveEvent(std::string payload) {
  const std::string test = "\"livemode\":false";
  auto at = payload.find(test);
  EXPECT_NE(at, std::string::npos) << payload;
  if (at != std::string::npos) payload.replace(at, test.size(), "\"livemode\":true");
  return payload;
}

/// The event without its livemode field, which Stripe never sends.
std::string withoutLivemode(std::string payload) {
  const std::string field = ",\"livemode\":false";
  auto at = payload.find(field);
  EXPECT_NE(at, std::string::npos) << payload;
  if (at != std::string::npos) payload.erase(at, field.size());
  return payload;
}

std::string checkoutCompleted(const std::string& eventId, const std::string& customer, const std::string& userId) {
  return rawEvent(eventId, "checkout.session.completed", nowUnix(),
                  R"({"id":"cs_)" + eventId + R"(","object":"checkout.session","mode":"subscription","customer":")" +
                      customer + R"(","client_reference_id":")" + userId + "\"}");
}

cc::ConfigNode node(const std::string& yaml) {
  return cc::ConfigNode(YAML::Load(yaml), "plugins[0].config", std::make_shared<const std::string>("test.yaml"));
}

std::string configErrorsOf(const std::string& yaml) {
  cc::ConfigErrors errors;
  validateBillingConfig(node(yaml), errors);
  return errors.joined();
}

/// The config checks read the STRIPE_* fallbacks; none may leak in from the environment.
void clearStripeEnvironment() {
  ::unsetenv("STRIPE_SECRET_KEY");
  ::unsetenv("STRIPE_WEBHOOK_SECRET");
}

// ---- a test-mode deployment (sk_test_ key), on SQLite and PostgreSQL ----------------------------

class TestModeDeployment : public ::testing::TestWithParam<std::string> {
 protected:
  static SharedBillingHosts& hosts() {
    static SharedBillingHosts shared("billing_livemode");
    return shared;
  }
  static void TearDownTestSuite() { hosts().stopAll(); }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    b = &hosts().get(GetParam());
    n = std::to_string(nextId());
    user = b->userId(b->host.signup("livemode" + n + "@example.com"));
    ASSERT_FALSE(user.empty());
    customer = "cus_lm" + n;
    invoice.id = "in_lm" + n;
    invoice.customer = customer;
    invoice.subscription = "";
    invoice.billingReason = "subscription_create";
  }
  /// Links the customer to the user with a (test-mode) completed checkout.
  void linkCustomer() {
    auto r = b->webhook(checkoutCompleted("evt_link_" + n, customer, user));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(jsonField(r.body, "outcome"), "applied");
  }
  std::string evt(const std::string& name) const { return "evt_" + name + "_" + n; }
  std::string balance() const { return b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"); }
  int grants() const { return b->count("SELECT 1 FROM \"Transaction\" WHERE \"userId\" = '" + user + "'"); }
  std::string tier() const { return b->value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"); }
  int recorded(const std::string& eventId, const std::string& outcome) const {
    return b->count("SELECT 1 FROM stripe_events WHERE id = '" + eventId + "' AND outcome = '" + outcome + "'");
  }

  BillingHost* b = nullptr;
  std::string n, user, customer;
  InvoiceFixture invoice;
};

TEST_P(TestModeDeployment, LiveInvoiceIsRecordedOnceAsWrongModeAndGrantsNothing) {
  linkCustomer();
  const std::string live = asLiveEvent(invoiceEvent(evt("live_paid"), "invoice.paid", nowUnix(), invoice));
  auto r = b->webhook(live);
  ASSERT_EQ(r.status, 200) << r.body;  // a 2xx, so Stripe stops retrying it
  EXPECT_EQ(jsonField(r.body, "outcome"), "wrong_mode");
  EXPECT_EQ(jsonField(r.body, "eventId"), evt("live_paid"));
  EXPECT_EQ(grants(), 0);
  EXPECT_EQ(balance(), "");
  EXPECT_EQ(recorded(evt("live_paid"), "wrong_mode"), 1);

  auto again = b->webhook(live);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(jsonField(again.body, "outcome"), "duplicate");
  EXPECT_EQ(grants(), 0);
  EXPECT_EQ(b->count("SELECT 1 FROM stripe_events WHERE id = '" + evt("live_paid") + "'"), 1);

  // One warning naming the event and both modes, never a secret.
  const std::string warning = "stripe event " + evt("live_paid") +
                              " (invoice.paid) refused: it is live mode but this deployment serves test mode";
  ASSERT_TRUE(b->host.waitForOutput(warning)) << b->host.output();
  EXPECT_EQ(b->host.output().find("sk_test_123"), std::string::npos);
  EXPECT_EQ(b->host.output().find(kWebhookSecret), std::string::npos);

  // The same invoice in the deployment's own mode is applied as before: the refused event
  // left no trace that could block it.
  auto matching = b->webhook(invoiceEvent(evt("test_paid"), "invoice.paid", nowUnix(), invoice));
  ASSERT_EQ(matching.status, 200) << matching.body;
  EXPECT_EQ(jsonField(matching.body, "outcome"), "applied");
  EXPECT_EQ(grants(), 1);
  EXPECT_EQ(balance(), "300");
}

TEST_P(TestModeDeployment, LiveSubscriptionChangesNoTierAndIsNotParked) {
  SubscriptionFixture sub;
  sub.id = "sub_lm" + n;
  sub.customer = customer;  // not linked yet: a test-mode event would be parked
  sub.itemId = "si_lm" + n;
  sub.userId = user;        // metadata.user_id would link it
  auto r = b->webhook(asLiveEvent(subscriptionEvent(evt("live_sub"), "customer.subscription.created", nowUnix(), sub)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "outcome"), "wrong_mode");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(b->count("SELECT 1 FROM \"Subscription\" WHERE id = '" + sub.id + "'"), 0);
  EXPECT_EQ(b->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"customerId\" = '" + customer + "'"), 0);
  EXPECT_EQ(b->count("SELECT 1 FROM stripe_pending_events WHERE id = '" + evt("live_sub") + "'"), 0);

  auto matching = b->webhook(subscriptionEvent(evt("test_sub"), "customer.subscription.created", nowUnix(), sub));
  ASSERT_EQ(matching.status, 200) << matching.body;
  EXPECT_EQ(jsonField(matching.body, "outcome"), "applied");
  EXPECT_EQ(tier(), "startup");
}

TEST_P(TestModeDeployment, EventWithoutLivemodeIsRefusedTheSameWay) {
  // Stripe has sent livemode on every event since its first API version (docs/billing.md).
  linkCustomer();
  auto r = b->webhook(withoutLivemode(invoiceEvent(evt("nomode"), "invoice.paid", nowUnix(), invoice)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "outcome"), "wrong_mode");
  EXPECT_EQ(grants(), 0);
  EXPECT_EQ(recorded(evt("nomode"), "wrong_mode"), 1);
  EXPECT_TRUE(b->host.waitForOutput("stripe event " + evt("nomode") +
                                    " (invoice.paid) refused: it is without livemode but this deployment serves test mode"))
      << b->host.output();
}

INSTANTIATE_TEST_SUITE_P(Engines, TestModeDeployment, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// ---- the mode from the key, and the explicit override (SQLite: the mode check is not SQL) ----

TEST(LiveKeyDeployment, TestEventIsWrongModeAndLiveEventApplies) {
  FakeStripeServer stripe;
  BillingHost billing("{ secret_key: sk_live_123, webhook_secret: '" + kWebhookSecret + "', api_base: '" +
                      stripe.baseUrl() + "' }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  EXPECT_TRUE(billing.host.waitForOutput(", live mode")) << billing.host.output();
  const std::string user = billing.userId(billing.host.signup("livekey@example.com"));
  InvoiceFixture invoice;
  invoice.id = "in_livekey";
  invoice.customer = "cus_livekey";
  invoice.subscription = "";
  invoice.billingReason = "subscription_create";
  ASSERT_EQ(billing.webhook(asLiveEvent(checkoutCompleted("evt_lk_link", invoice.customer, user))).status, 200);

  auto test = billing.webhook(invoiceEvent("evt_lk_test", "invoice.paid", nowUnix(), invoice));
  ASSERT_EQ(test.status, 200) << test.body;
  EXPECT_EQ(jsonField(test.body, "outcome"), "wrong_mode");
  EXPECT_EQ(billing.count("SELECT 1 FROM \"Transaction\""), 0);
  EXPECT_TRUE(billing.host.waitForOutput("evt_lk_test (invoice.paid) refused: it is test mode but this deployment serves live mode"))
      << billing.host.output();
  EXPECT_EQ(billing.host.output().find("sk_live_123"), std::string::npos);

  auto live = billing.webhook(asLiveEvent(invoiceEvent("evt_lk_live", "invoice.paid", nowUnix(), invoice)));
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(jsonField(live.body, "outcome"), "applied");
  EXPECT_EQ(billing.value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"), "300");
}

TEST(ExplicitLivemode, FalseOverridesALiveKeyAndTheReconcilerDoesNotRunWithIt) {
  // The fake Stripe answers a sk_live_ key with live objects, as Stripe does; `livemode:
  // false` says this deployment serves test mode all the same.
  FakeStripeServer stripe;
  BillingHost billing("{ secret_key: sk_live_override, livemode: false, webhook_secret: '" + kWebhookSecret +
                      "', api_base: '" + stripe.baseUrl() + "', reconcile_interval_seconds: 1, reconcile_grace_seconds: 0 }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  const std::string user = billing.userId(billing.host.signup("override@example.com"));
  SubscriptionFixture sub;
  sub.id = "sub_override";
  sub.customer = "cus_override";
  sub.userId = user;
  sub.periodStart = nowUnix() - 32 * kDay;
  sub.periodEnd = nowUnix() - 2 * kDay;  // ended: due for the reconciler
  auto created = billing.webhook(subscriptionEvent("evt_ov_created", "customer.subscription.created", sub.periodStart + 10, sub));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(jsonField(created.body, "outcome"), "applied");  // a test-mode event: accepted
  ASSERT_EQ(billing.value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"), "startup");

  auto live = billing.webhook(asLiveEvent(subscriptionEvent("evt_ov_live", "customer.subscription.deleted", nowUnix(), sub)));
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(jsonField(live.body, "outcome"), "wrong_mode");

  // A live key sees live objects only: every test-mode subscription would answer 404. The
  // reconciler stops before asking (reconcile_guard_test.cpp has the rest of the guard).
  ASSERT_TRUE(billing.host.waitForOutput("billing reconcile stopped (wrong_mode)", 15000)) << billing.host.output();
  EXPECT_EQ(stripe.requests("GET", "/v1/subscriptions/sub_override").size(), 0u);
  EXPECT_EQ(billing.value("SELECT status FROM \"Subscription\" WHERE id = 'sub_override'"), "active");
  EXPECT_EQ(billing.value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"), "startup");
}

TEST(ExplicitLivemode, TheReconcilerSkipsFetchedObjectsOfTheOtherMode) {
  // The key and the deployment agree on test mode, yet Stripe's answer says live mode: it is
  // not this deployment's subscription state.
  FakeStripeServer stripe;
  BillingHost billing("{ secret_key: sk_test_objects, livemode: false, webhook_secret: '" + kWebhookSecret +
                      "', api_base: '" + stripe.baseUrl() + "', reconcile_interval_seconds: 1, reconcile_grace_seconds: 0 }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  const std::string user = billing.userId(billing.host.signup("objects@example.com"));
  SubscriptionFixture sub;
  sub.id = "sub_objmode";
  sub.customer = "cus_objmode";
  sub.userId = user;
  sub.periodStart = nowUnix() - 32 * kDay;
  sub.periodEnd = nowUnix() - 2 * kDay;
  SubscriptionFixture canceled = sub;
  canceled.status = "canceled";
  auto object = cc::json::parseObject(subscriptionEvent("evt_unused", "unused", 0, canceled))->getObject("data")->getObject("object");
  object->set("ended_at", sub.periodEnd);
  object->set("livemode", true);
  stripe.setSubscription(sub.id, cc::json::stringify(object));
  auto created = billing.webhook(subscriptionEvent("evt_obj_created", "customer.subscription.created", sub.periodStart + 10, sub));
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_TRUE(billing.host.waitForOutput("billing reconcile: subscription sub_objmode fetched from Stripe is live mode "
                                         "but this deployment serves test mode; skipped",
                                         15000))
      << billing.host.output();
  EXPECT_EQ(billing.value("SELECT status FROM \"Subscription\" WHERE id = 'sub_objmode'"), "active");
  EXPECT_EQ(billing.value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"), "startup");
}

TEST(LivemodeStartup, AnUnrecognisedKeyWithAutoStopsTheHostNamingTheKeyPath) {
  BillingHost billing("{ secret_key: pk_test_publishable, webhook_secret: '" + kWebhookSecret + "' }");
  ASSERT_FALSE(billing.host.start()) << "the host started with a key that does not tell the mode";
  const std::string out = billing.host.output();
  EXPECT_NE(out.find(".config.secret_key"), std::string::npos) << out;
  EXPECT_NE(out.find("set livemode: true or false"), std::string::npos) << out;
  EXPECT_EQ(out.find("pk_test_publishable"), std::string::npos) << "the key itself was printed:\n" << out;
}

TEST(LivemodeStartup, AnExplicitModeAcceptsAnUnrecognisedKey) {
  BillingHost billing("{ secret_key: pk_test_publishable, webhook_secret: '" + kWebhookSecret + "', livemode: false }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  EXPECT_TRUE(billing.host.waitForOutput(", test mode")) << billing.host.output();
}

// ---- the config rules themselves -------------------------------------------------------------

TEST(LivemodeConfig, KeyPrefixesTellTheMode) {
  EXPECT_EQ(livemodeOfKey("sk_live_abc"), std::optional<bool>(true));
  EXPECT_EQ(livemodeOfKey("rk_live_abc"), std::optional<bool>(true));
  EXPECT_EQ(livemodeOfKey("sk_test_abc"), std::optional<bool>(false));
  EXPECT_EQ(livemodeOfKey("rk_test_abc"), std::optional<bool>(false));
  EXPECT_EQ(livemodeOfKey("pk_live_abc"), std::nullopt);  // a publishable key is not a secret key
  EXPECT_EQ(livemodeOfKey("sk_abc"), std::nullopt);
  EXPECT_EQ(livemodeOfKey("SK_LIVE_abc"), std::nullopt);
  EXPECT_EQ(livemodeOfKey(""), std::nullopt);
}

TEST(LivemodeConfig, AutoIsRefusedOnlyWhenTheModeMattersAndCannotBeTold) {
  clearStripeEnvironment();
  EXPECT_EQ(configErrorsOf("{}"), "");  // nothing configured: nothing from Stripe is processed
  EXPECT_EQ(configErrorsOf("{secret_key: sk_live_x, webhook_secret: whsec_x}"), "");
  EXPECT_EQ(configErrorsOf("{secret_key: foo, livemode: true}"), "");
  EXPECT_EQ(configErrorsOf("{secret_key: '', webhook_secret: whsec_x, livemode: false}"), "");

  std::string unknownKey = configErrorsOf("{secret_key: whsec_wrong_field}");
  EXPECT_EQ(unknownKey.rfind("plugins[0].config.secret_key", 0), 0u) << unknownKey;
  EXPECT_EQ(unknownKey.find("whsec_wrong_field"), std::string::npos) << unknownKey;
  std::string noKey = configErrorsOf("{secret_key: '', webhook_secret: whsec_x}");
  EXPECT_EQ(noKey.rfind("plugins[0].config.secret_key", 0), 0u) << noKey;
  EXPECT_NE(noKey.find("webhook secret"), std::string::npos) << noKey;

  // The environment's key is judged the same way, and the message says where it came from.
  ::setenv("STRIPE_SECRET_KEY", "key_from_env", 1);
  std::string fromEnv = configErrorsOf("{}");
  EXPECT_NE(fromEnv.find("STRIPE_SECRET_KEY"), std::string::npos) << fromEnv;
  EXPECT_EQ(fromEnv.find("key_from_env"), std::string::npos) << fromEnv;
  clearStripeEnvironment();

  EXPECT_NE(configErrorsOf("{secret_key: sk_test_x, livemode: maybe}").find("must be one of"), std::string::npos);
}

TEST(LivemodeConfig, LoadedModeFollowsTheKeyUnlessSetExplicitly) {
  clearStripeEnvironment();
  EXPECT_TRUE(loadBillingConfig(node("{secret_key: sk_live_x}")).livemode);
  EXPECT_TRUE(loadBillingConfig(node("{secret_key: rk_live_x, livemode: auto}")).livemode);
  EXPECT_FALSE(loadBillingConfig(node("{secret_key: sk_test_x}")).livemode);
  EXPECT_FALSE(loadBillingConfig(node("{secret_key: sk_live_x, livemode: false}")).livemode);
  EXPECT_TRUE(loadBillingConfig(node("{secret_key: sk_test_x, livemode: true}")).livemode);
}

}  // namespace
