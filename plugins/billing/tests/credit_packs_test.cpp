// Credit packs against the real host, on SQLite and PostgreSQL, with the fake Stripe API and
// the real audit and admin plugins: GET /api/credits/packs, POST /api/credits/purchase (what
// Stripe receives, what is audited), and the webhook grant: once per paid session whatever
// the redeliveries, the order of completed and async_payment_succeeded, or a second host
// receiving the same event; never for an unpaid or failed payment; bad input answered 4xx
// with nothing written.
#include "support/billing_host.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

const std::string kPacks =
    ", credit_packs: { credits_100: { price_id: price_pack_100, credits: 100 },"
    " credits_500: { price_id: price_pack_500, credits: 500 } }";

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string auditAndAdmin() {
  return cc::test::bundledPlugin("audit", "{}") +
         cc::test::bundledPlugin("admin", "{ web_root: '" + cc::test::sourceDir() + "/plugins/admin/web' }");
}

/// A checkout.session object as Stripe sends it in checkout.session.* events (no line_items:
/// Stripe leaves them out of webhooks).
struct SessionFixture {
  std::string id;
  std::string customer;
  std::string userId;
  std::string paymentStatus = "paid";
  std::string mode = "payment";
  std::string pack = "credits_100";
  std::string priceId = "price_pack_100";
  std::string lineItemPriceId;  ///< set: the session carries expanded line_items with this price

  std::string json() const {
    std::string lineItems;
    if (!lineItemPriceId.empty())
      lineItems = R"(,"line_items":{"object":"list","data":[{"id":"li_1","object":"item","quantity":1,"price":{"id":")" +
                  lineItemPriceId + R"(","object":"price"}}]})";
    return R"({"id":")" + id + R"(","object":"checkout.session","mode":")" + mode + R"(","customer":")" + customer +
           R"(","client_reference_id":")" + userId + R"(","payment_status":")" + paymentStatus +
           R"(","status":"complete","amount_total":1000,"currency":"usd","metadata":{"pack":")" + pack +
           R"(","user_id":")" + userId + R"(","price_id":")" + priceId + R"(","credits":"100"},"livemode":false)" +
           lineItems + "}";
  }
};

class CreditPacks : public ::testing::TestWithParam<std::string> {
 protected:
  struct Entry {
    FakeStripeServer stripe;
    std::unique_ptr<BillingHost> billing;
  };
  static std::map<std::string, std::unique_ptr<Entry>>& hosts() {
    static std::map<std::string, std::unique_ptr<Entry>> shared;
    return shared;
  }
  static void TearDownTestSuite() {
    for (auto& [engine, entry] : hosts()) entry->billing->host.stop();
    hosts().clear();
  }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    auto& entry = hosts()[GetParam()];
    if (!entry) {
      entry = std::make_unique<Entry>();
      std::string url = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_credit_packs") : "";
      entry->billing = std::make_unique<BillingHost>(billingConfig(entry->stripe, kPacks), nullptr, url, auditAndAdmin());
      ASSERT_TRUE(entry->billing->host.start()) << entry->billing->host.output();
    }
    stripe = &entry->stripe;
    b = entry->billing.get();
    n = std::to_string(nextId());
    token = b->host.signup("packs" + n + "@example.com");
    user = b->userId(token);
  }

  /// Buys `pack` through the API; returns the Checkout session id.
  std::string purchase(const std::string& pack = "credits_100") {
    auto r = b->host.post("/api/credits/purchase", R"({"pack":")" + pack + R"("})", token);
    EXPECT_EQ(r.status, 201) << r.body;
    return jsonField(r.body, "checkoutSessionId");
  }
  std::string customer() const {
    return b->value("SELECT \"customerId\" FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'");
  }
  SessionFixture session(const std::string& id) const {
    SessionFixture f;
    f.id = id;
    f.customer = customer();
    f.userId = user;
    return f;
  }
  cc::test::HttpResult deliver(const std::string& eventId, const std::string& type, const SessionFixture& f,
                               const BillingHost* to = nullptr) {
    return (to ? to : b)->webhook(rawEvent(eventId, type, nowUnix(), f.json()));
  }
  std::int64_t balance() {
    auto v = b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'");
    return v.empty() ? 0 : std::stoll(v);
  }
  int packGrants(const std::string& sessionId) {
    return b->count("SELECT 1 FROM \"Transaction\" WHERE reference = 'pack:" + sessionId + "'");
  }
  std::string outcome(const std::string& eventId) {
    return b->value("SELECT outcome FROM stripe_events WHERE id = '" + eventId + "'");
  }
  int ledgerRows() { return b->count("SELECT 1 FROM \"Transaction\" WHERE \"userId\" = '" + user + "'"); }

  /// The audit trail's entries of `action` for this user, through the admin API.
  Poco::JSON::Array::Ptr auditEntries(const std::string& action, std::size_t atLeast) {
    std::string admin = b->host.signup("packs-admin" + n + "@example.com");
    cc::test::execute(b->host.databaseUrl(),
                      "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'packs-admin" + n + "@example.com'");
    Poco::JSON::Array::Ptr logs = new Poco::JSON::Array;
    waitUntil([&] {
      auto r = b->host.get("/api/admin/audit-logs?action=" + action + "&userId=" + user, admin);
      if (r.status != 200) return false;
      logs = parseObject(r.body)->getArray("logs");
      return logs->size() >= atLeast;
    });
    return logs;
  }

  FakeStripeServer* stripe = nullptr;
  BillingHost* b = nullptr;
  std::string n, token, user;
};

}  // namespace

TEST_P(CreditPacks, ListsTheConfiguredPacksAsAnArrayAndAuditsTheRead) {
  auto r = b->host.get("/api/credits/packs", token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto list = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(list->size(), 2u) << r.body;
  auto first = list->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("id"), "credits_100");
  EXPECT_EQ(first->getValue<std::int64_t>("credits"), 100);
  EXPECT_EQ(first->getValue<std::string>("priceId"), "price_pack_100");
  EXPECT_EQ(first->size(), 3u);
  EXPECT_EQ(list->getObject(1)->getValue<std::string>("id"), "credits_500");
  EXPECT_EQ(list->getObject(1)->getValue<std::int64_t>("credits"), 500);

  auto logs = auditEntries("billing.credit_packs_listed", 1);
  ASSERT_EQ(logs->size(), 1u) << b->host.output();
  EXPECT_EQ(logs->getObject(0)->getValue<std::string>("severity"), "info");
}

TEST_P(CreditPacks, PurchaseOpensAPaymentModeCheckoutWithThePacksPrice) {
  auto before = stripe->requests("POST", "/v1/checkout/sessions").size();
  auto r = b->host.post("/api/credits/purchase", R"({"pack":"credits_500"})", token);
  ASSERT_EQ(r.status, 201) << r.body;
  auto out = parseObject(r.body);
  std::string sessionId = out->getValue<std::string>("checkoutSessionId");
  EXPECT_EQ(sessionId.rfind("cs_test_", 0), 0u) << r.body;
  EXPECT_EQ(out->getValue<std::string>("checkoutUrl"), "https://checkout.stripe.com/c/pay/" + sessionId);

  auto sent = stripe->requests("POST", "/v1/checkout/sessions");
  ASSERT_EQ(sent.size(), before + 1);
  const auto& q = sent.back();
  EXPECT_EQ(q.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_FALSE(q.header("Idempotency-Key").empty());
  EXPECT_EQ(q.field("mode"), "payment");
  EXPECT_EQ(q.field("line_items[0][price]"), "price_pack_500");
  EXPECT_EQ(q.field("line_items[0][quantity]"), "1");
  EXPECT_EQ(q.field("client_reference_id"), user);
  EXPECT_EQ(q.field("customer"), customer());
  EXPECT_FALSE(customer().empty());
  EXPECT_EQ(q.field("metadata[pack]"), "credits_500");
  EXPECT_EQ(q.field("metadata[user_id]"), user);
  EXPECT_EQ(q.field("metadata[price_id]"), "price_pack_500");
  EXPECT_EQ(q.field("success_url"), "http://localhost:5000/billing/success?session_id={CHECKOUT_SESSION_ID}");
  EXPECT_EQ(q.field("cancel_url"), "http://localhost:5000/billing/cancel");
  EXPECT_FALSE(q.hasField("subscription_data[metadata][plan_id]"));
  EXPECT_NE(q.body.find("&line_items[0][price]=price_pack_500&"), std::string::npos) << q.body;  // as Stripe's libraries send it

  // A second purchase reuses the customer; no credits until the payment's webhook.
  purchase("credits_100");
  EXPECT_EQ(stripe->requests("POST", "/v1/checkout/sessions").back().field("customer"), q.field("customer"));
  EXPECT_EQ(b->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 1);
  EXPECT_EQ(balance(), 0);

  auto logs = auditEntries("billing.credit_pack_checkout_created", 2);
  ASSERT_EQ(logs->size(), 2u) << b->host.output();
  bool found = false;
  for (std::size_t i = 0; i < logs->size(); ++i) {
    auto e = logs->getObject(static_cast<unsigned>(i));
    if (e->getValue<std::string>("resourceId") != sessionId) continue;
    found = true;
    EXPECT_EQ(e->getValue<std::string>("resourceType"), "payment");
    EXPECT_EQ(e->getObject("metadata")->getValue<std::string>("pack"), "credits_500");
  }
  EXPECT_TRUE(found) << sessionId;
}

TEST_P(CreditPacks, CompletedAndPaidGrantsOnceThroughRedeliveries) {
  auto f = session(purchase());
  ASSERT_EQ(deliver("evt_pc" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(outcome("evt_pc" + n), "applied");
  EXPECT_EQ(balance(), 100);
  EXPECT_EQ(packGrants(f.id), 1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(deliver("evt_pc" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(balance(), 100);
  EXPECT_EQ(packGrants(f.id), 1);
  // GET /api/credits names the reason.
  auto history = parseObject(b->host.get("/api/credits", token).body);
  EXPECT_EQ(history->getArray("transactions")->getObject(0)->getValue<std::string>("reason"), "pack");

  auto logs = auditEntries("credits_granted", 1);
  ASSERT_EQ(logs->size(), 1u) << b->host.output();
  EXPECT_EQ(logs->getObject(0)->getValue<std::string>("resourceId"), "pack:" + f.id);
}

TEST_P(CreditPacks, ConcurrentDeliveriesToTwoHostsGrantOnce) {
  auto f = session(purchase());
  // On PostgreSQL a second host on the same database takes half the deliveries, as behind a
  // load balancer; SQLite is one host's file, so there the threads share one host.
  FakeStripeServer otherStripe;
  std::unique_ptr<BillingHost> other;
  const BillingHost* second = b;
  if (GetParam() == "postgresql") {
    other = std::make_unique<BillingHost>(billingConfig(otherStripe, kPacks), nullptr, b->host.databaseUrl());
    ASSERT_TRUE(other->host.start()) << other->host.output();
    second = other.get();
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      // The same event, and the other event of the same session, on both hosts at once.
      std::string type = i % 4 < 2 ? "checkout.session.completed" : "checkout.session.async_payment_succeeded";
      std::string id = "evt_pcc" + n + (i % 4 < 2 ? "a" : "b");
      ok += deliver(id, type, f, i % 2 ? second : b).status == 200;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(balance(), 100);
  EXPECT_EQ(packGrants(f.id), 1);
  EXPECT_EQ(b->count("SELECT 1 FROM stripe_events WHERE id IN ('evt_pcc" + n + "a', 'evt_pcc" + n + "b')"), 2);
}

TEST_P(CreditPacks, UnpaidCompletionWaitsForAsyncPaymentSucceeded) {
  auto f = session(purchase("credits_500"));
  f.pack = "credits_500";
  f.priceId = "price_pack_500";
  f.paymentStatus = "unpaid";
  ASSERT_EQ(deliver("evt_pu" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(balance(), 0);
  EXPECT_EQ(ledgerRows(), 0);
  EXPECT_EQ(outcome("evt_pu" + n), "ignored");

  f.paymentStatus = "paid";
  ASSERT_EQ(deliver("evt_pa" + n, "checkout.session.async_payment_succeeded", f).status, 200);
  EXPECT_EQ(balance(), 500);
  ASSERT_EQ(deliver("evt_pa" + n, "checkout.session.async_payment_succeeded", f).status, 200);
  EXPECT_EQ(balance(), 500);
  EXPECT_EQ(packGrants(f.id), 1);
}

TEST_P(CreditPacks, AsyncPaymentFailedGrantsNothing) {
  auto f = session(purchase());
  f.paymentStatus = "unpaid";
  ASSERT_EQ(deliver("evt_pfu" + n, "checkout.session.completed", f).status, 200);
  ASSERT_EQ(deliver("evt_pff" + n, "checkout.session.async_payment_failed", f).status, 200);
  EXPECT_EQ(outcome("evt_pff" + n), "ignored");
  // Even a session that claims "paid" in a failure event grants nothing.
  f.paymentStatus = "paid";
  ASSERT_EQ(deliver("evt_pff2" + n, "checkout.session.async_payment_failed", f).status, 200);
  EXPECT_EQ(balance(), 0);
  EXPECT_EQ(ledgerRows(), 0);
}

TEST_P(CreditPacks, NoPaymentRequiredGrantsNothing) {
  auto f = session(purchase());
  f.paymentStatus = "no_payment_required";
  ASSERT_EQ(deliver("evt_pnp" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(ledgerRows(), 0);
}

TEST_P(CreditPacks, AsyncSuccessBeforeCompletedGrantsOnce) {
  auto f = session(purchase());
  ASSERT_EQ(deliver("evt_pra" + n, "checkout.session.async_payment_succeeded", f).status, 200);
  EXPECT_EQ(balance(), 100);
  f.paymentStatus = "unpaid";  // the completion, written before the payment finished, arrives late
  ASSERT_EQ(deliver("evt_prc" + n, "checkout.session.completed", f).status, 200);
  f.paymentStatus = "paid";
  ASSERT_EQ(deliver("evt_prc2" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(balance(), 100);
  EXPECT_EQ(packGrants(f.id), 1);
}

TEST_P(CreditPacks, PaidSessionWhosePriceIsNotThePacksGrantsNothing) {
  auto f = session(purchase());
  f.priceId = "price_pack_500";  // the 500 pack's price under the 100 pack's name
  ASSERT_EQ(deliver("evt_pwp" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(outcome("evt_pwp" + n), "unknown_price");
  f.priceId = "price_pack_100";
  f.lineItemPriceId = "price_other";  // expanded line items win over our metadata
  ASSERT_EQ(deliver("evt_pwl" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(outcome("evt_pwl" + n), "unknown_price");
  f.pack = "credits_9999";  // removed from config since
  f.lineItemPriceId.clear();
  ASSERT_EQ(deliver("evt_pgone" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(outcome("evt_pgone" + n), "unknown_price");
  EXPECT_EQ(ledgerRows(), 0);
  EXPECT_TRUE(b->host.waitForOutput("credits_9999, which is not configured")) << b->host.output();

  f.pack = "credits_100";  // and the right one still grants
  f.lineItemPriceId = "price_pack_100";
  ASSERT_EQ(deliver("evt_pok" + n, "checkout.session.completed", f).status, 200);
  EXPECT_EQ(balance(), 100);
}

TEST_P(CreditPacks, UnknownOrMalformedPackIs400AndReachesNoStripe) {
  auto before = stripe->requests().size();
  auto unknown = b->host.post("/api/credits/purchase", R"({"pack":"credits_9999"})", token);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(jsonField(unknown.body, "error").find("credits_9999"), std::string::npos) << unknown.body;
  for (const std::string body :
       {std::string(R"({"pack":""})"), std::string(R"({"pack":100})"), std::string(R"({})"),
        std::string(R"({"pack":"Credits 100"})"), std::string(R"({"pack":null})"), std::string("[]"),
        std::string(R"({"pack":"credits_100")"), std::string("not json"), std::string(""),
        std::string("{\"pack\":\"credits_\xff\xfe\"}"), std::string(R"({"pack":")") + std::string(100, 'a') + "\"}"}) {
    auto r = b->host.post("/api/credits/purchase", body, token);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << r.body;
  }
  auto big = b->host.post("/api/credits/purchase", R"({"pack":"credits_100","x":")" + std::string(20000, 'x') + "\"}", token);
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(stripe->requests().size(), before);
  EXPECT_EQ(b->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 0);
  EXPECT_EQ(ledgerRows(), 0);
}

TEST_P(CreditPacks, BothRoutesNeedAToken) {
  auto before = stripe->requests().size();
  auto list = b->host.get("/api/credits/packs");
  EXPECT_EQ(list.status, 401);
  EXPECT_FALSE(jsonField(list.body, "error").empty());
  auto buy = b->host.post("/api/credits/purchase", R"({"pack":"credits_100"})");
  EXPECT_EQ(buy.status, 401);
  EXPECT_FALSE(jsonField(buy.body, "error").empty());
  EXPECT_EQ(b->host.post("/api/credits/purchase", R"({"pack":"credits_100"})", "not-a-token").status, 401);
  EXPECT_EQ(stripe->requests().size(), before);
}

TEST_P(CreditPacks, StripeErrorsReachTheCallerAndWriteNothing) {
  purchase();  // the customer exists now
  stripe->failNext(ScriptedFailure{400, "invalid_request_error", "resource_missing", "No such price: 'price_pack_100'"});
  auto r = b->host.post("/api/credits/purchase", R"({"pack":"credits_100"})", token);
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_FALSE(jsonField(r.body, "error").empty());
  EXPECT_EQ(ledgerRows(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, CreditPacks, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// ---- without Stripe ----

TEST(CreditPacksWithoutStripe, BothRoutesAnswer503) {
  BillingHost b("{ secret_key: '', webhook_secret: ''" + kPacks + " }");
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("packs-nostripe@example.com");
  auto list = b.host.get("/api/credits/packs", token);
  EXPECT_EQ(list.status, 503) << list.body;
  EXPECT_FALSE(jsonField(list.body, "error").empty());
  auto buy = b.host.post("/api/credits/purchase", R"({"pack":"credits_100"})", token);
  EXPECT_EQ(buy.status, 503) << buy.body;
  EXPECT_FALSE(jsonField(buy.body, "error").empty());
}

// ---- config: refused before start, with the key path and file:line ----

TEST(CreditPacksConfig, BadPacksAreRefusedBeforeStartNamingKeyAndLine) {
  FakeStripeServer stripe;
  BillingHost b(billingConfig(stripe,
                              ", credit_packs: { Bad-Id: { price_id: price_x, credits: 5 },"
                              " no_price: { price_id: '', credits: 5 }, zero: { price_id: price_zero, credits: 0 },"
                              " negative: { price_id: price_neg, credits: -3 }, spaced: { price_id: 'price a', credits: 1 },"
                              " missing: { credits: 1 }, twin: { price_id: price_startup_monthly, credits: 1 } }"));
  EXPECT_FALSE(b.host.start());
  const std::string out = b.host.output();
  const std::string at = " (" + b.host.configPath() + ":";
  for (const std::string& expected : std::vector<std::string>{
           "plugins[0].config.credit_packs.Bad-Id" + at, "pack id 'Bad-Id' must be 1 to 64 characters of a-z, 0-9 and _",
        "plugins[0].config.credit_packs.no_price.price_id" + at, "must not be empty (is its STRIPE_PRICE_* variable set?)",
        "plugins[0].config.credit_packs.zero.credits" + at, "plugins[0].config.credit_packs.negative.credits" + at,
        "must be between 1 and 1000000000", "plugins[0].config.credit_packs.spaced.price_id" + at,
        "must be a Stripe price id", "plugins[0].config.credit_packs.missing.price_id" + at, "is required",
        "plugins[0].config.credit_packs.twin.price_id" + at,
        "price id 'price_startup_monthly' is already used by plan startup_monthly"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  EXPECT_EQ(out.find("billing ready"), std::string::npos) << out;
}

TEST(CreditPacksConfig, NoPacksConfiguredListsNone) {
  FakeStripeServer stripe;
  BillingHost b(billingConfig(stripe));
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("packs-none@example.com");
  auto list = b.host.get("/api/credits/packs", token);
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body, "[]");
  auto buy = b.host.post("/api/credits/purchase", R"({"pack":"credits_100"})", token);
  EXPECT_EQ(buy.status, 400) << buy.body;
  EXPECT_TRUE(stripe.requests("POST", "/v1/checkout/sessions").empty());
}

// ---- rate limited like the rest of /api/* ----

TEST(CreditPacksRateLimit, BothRoutesCountAgainstTheUsersDailyRequests) {
  FakeStripeServer stripe;
  BillingHost b(billingConfig(stripe, kPacks), nullptr, "",
                cc::test::bundledPlugin("ratelimit", "{ tiers: { free: { requests_per_day: 3 } } }"));
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("packs-limited@example.com");
  auto first = b.host.get("/api/credits/packs", token);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("X-RateLimit-Limit"), "3");
  EXPECT_EQ(first.header("X-RateLimit-Remaining"), "2");
  auto buy = b.host.post("/api/credits/purchase", R"({"pack":"credits_100"})", token);
  ASSERT_EQ(buy.status, 201) << buy.body;
  EXPECT_EQ(buy.header("X-RateLimit-Remaining"), "1");
  EXPECT_EQ(b.host.get("/api/credits/packs", token).status, 200);
  auto limited = b.host.post("/api/credits/purchase", R"({"pack":"credits_100"})", token);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(jsonField(limited.body, "error").empty());
  EXPECT_EQ(b.host.get("/api/credits/packs", token).status, 429);
  EXPECT_EQ(stripe.requests("POST", "/v1/checkout/sessions").size(), 1u);
}
