// POST /api/subscriptions/preview-change and the upgrade credits of a paid proration invoice,
// against the real host (SQLite and PostgreSQL) and the fake Stripe, which prices changes the
// way Stripe does (proration lines in the basil layout, a paid proration invoice per change):
// the preview shows the credits the paid invoice then grants, exactly once under redelivery,
// concurrent delivery to two hosts and reordering; a downgrade grants and takes nothing; the
// preview itself changes nothing, here or at Stripe, and is audited.
#include "support/billing_host.hpp"

#include "src/stripe_objects.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

constexpr std::int64_t kDay = 86400;

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string stringify(const Poco::JSON::Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

/// The audit trail (audit plugin) and its reader (admin plugin) beside billing.
std::string auditPlugins() {
  return cc::test::bundledPlugin("audit", "{}") +
         cc::test::bundledPlugin("admin", "{ web_root: '" + cc::test::sourceDir() + "/plugins/admin/web' }");
}

class ChangePreview : public ::testing::TestWithParam<std::string> {
 protected:
  static SharedBillingHosts& hosts() {
    static SharedBillingHosts shared("billing_change_preview", ", proration_behavior: always_invoice", auditPlugins());
    return shared;
  }
  static void TearDownTestSuite() { hosts().stopAll(); }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    b = &hosts().get(GetParam());
    stripe = &hosts().stripe(GetParam());
    stripe->setNewSubscriptionStatus("active");
    n = std::to_string(nextId());
    token = b->host.signup("preview" + n + "@example.com");
    user = b->userId(token);
  }

  /// Subscribes through the API (customer and subscription at the fake Stripe), then moves the
  /// period to [now - 10 days, now + 20 days] as a customer.subscription.updated would tell us.
  void subscribe(const std::string& planId) {
    auto r = b->host.post("/api/subscriptions/create", R"({"planId":")" + planId + R"("})", token);
    ASSERT_EQ(r.status, 201) << r.body;
    subscriptionId = jsonField(r.body, "subscriptionId");
    periodStart = nowUnix() - 10 * kDay;
    periodEnd = nowUnix() + 20 * kDay;
    stripe->setSubscriptionPeriod(subscriptionId, periodStart, periodEnd);
    subscriptionUpdated("evt_period" + n);
  }
  /// Delivers Stripe's current state of the subscription as customer.subscription.updated.
  void subscriptionUpdated(const std::string& eventId) {
    auto r = b->webhook(rawEvent(eventId, "customer.subscription.updated", nowUnix(), stringify(stripe->subscription(subscriptionId))));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  cc::test::HttpResult preview(const std::string& body) {
    return b->host.post("/api/subscriptions/preview-change", body, token);
  }
  /// The plan change made outside our API (the Billing Portal, the dashboard): straight at Stripe.
  void changeAtStripe(const std::string& priceId) {
    auto sub = stripe->subscription(subscriptionId);
    std::string item = sub->getObject("items")->getArray("data")->getObject(0)->getValue<std::string>("id");
    auto r = cc::test::http(stripe->port(), "POST", "/v1/subscriptions/" + subscriptionId,
                            "items[0][id]=" + item + "&items[0][price]=" + priceId + "&proration_behavior=always_invoice",
                            {{"Authorization", "Bearer sk_test_123"}, {"Content-Type", "application/x-www-form-urlencoded"}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  /// What the formula gives for a change at `at` in the current period (credits per month differ by `diff`).
  std::int64_t expectedCredits(std::int64_t diff, std::int64_t at) const {
    return diff * (periodEnd - at) / (periodEnd - periodStart);
  }
  std::string invoicePaid(const std::string& eventId, const std::string& type = "invoice.paid") {
    std::string invoice = stripe->lastInvoiceOf(subscriptionId);
    EXPECT_FALSE(invoice.empty());
    return rawEvent(eventId, type, nowUnix(), invoice);
  }
  std::string lastInvoiceId() { return parseObject(stripe->lastInvoiceOf(subscriptionId))->getValue<std::string>("id"); }
  std::int64_t balance() {
    std::string v = b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'");
    return v.empty() ? 0 : std::stoll(v);
  }
  int ledgerRows(const std::string& prefix = "") {
    return b->count("SELECT 1 FROM \"Transaction\" WHERE \"userId\" = '" + user + "' AND reference LIKE '" + prefix + "%'");
  }
  std::string adminToken() {
    std::string email = "preview-admin" + n + "@example.com";
    std::string t = b->host.signup(email);
    cc::test::execute(b->host.databaseUrl(), "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = '" + email + "'");
    return t;
  }

  BillingHost* b = nullptr;
  FakeStripeServer* stripe = nullptr;
  std::string n, token, user, subscriptionId;
  std::int64_t periodStart = 0, periodEnd = 0;
};

}  // namespace

TEST_P(ChangePreview, UpgradePreviewShowsTheCreditsThePaidInvoiceGrantsExactlyOnce) {
  subscribe("startup_monthly");
  auto previewsBefore = stripe->requests("POST", "/v1/invoices/create_preview").size();
  auto changesBefore = stripe->requests("POST", "/v1/subscriptions/" + subscriptionId).size();

  auto r = preview(R"({"planId":"enterprise_monthly"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto p = parseObject(r.body);
  EXPECT_EQ(p->getValue<std::string>("planId"), "enterprise_monthly");
  EXPECT_EQ(p->getValue<std::string>("currency"), "usd");
  std::int64_t at = cc::billing::unixFromIso(p->getValue<std::string>("effectiveAt"));
  ASSERT_GE(at, nowUnix() - 60) << r.body;
  std::int64_t credits = p->getValue<std::int64_t>("creditsGranted");
  EXPECT_EQ(credits, expectedCredits(1000 - 300, at)) << r.body;
  EXPECT_GT(credits, 400);  // about 2/3 of 700
  // Stripe's own figure: the new price's remaining time less the old one's, in cents.
  std::int64_t unused = periodEnd - at, length = periodEnd - periodStart;
  EXPECT_EQ(p->getValue<std::int64_t>("amountDueCents"), 14900 * unused / length - 4900 * unused / length);

  // What Stripe was asked, form-encoded.
  auto sent = stripe->requests("POST", "/v1/invoices/create_preview");
  ASSERT_EQ(sent.size(), previewsBefore + 1);
  const auto& q = sent.back();
  EXPECT_EQ(q.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(q.field("subscription"), subscriptionId);
  EXPECT_FALSE(q.field("customer").empty());
  EXPECT_EQ(q.field("subscription_details[items][0][price]"), "price_enterprise_monthly");
  EXPECT_EQ(q.field("subscription_details[items][0][id]"),
            stripe->subscription(subscriptionId)->getObject("items")->getArray("data")->getObject(0)->getValue<std::string>("id"));
  EXPECT_EQ(q.field("subscription_details[proration_behavior]"), "always_invoice");
  EXPECT_EQ(q.field("subscription_details[proration_date]"), std::to_string(at));

  // The preview changed nothing: no ledger row, the same plan here and at Stripe, no invoice.
  EXPECT_EQ(ledgerRows(), 0);
  EXPECT_EQ(b->value("SELECT plan FROM \"Subscription\" WHERE id = '" + subscriptionId + "'"), "startup_monthly");
  EXPECT_EQ(stripe->requests("POST", "/v1/subscriptions/" + subscriptionId).size(), changesBefore);
  EXPECT_EQ(stripe->lastInvoiceOf(subscriptionId), "");
  EXPECT_EQ(b->value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"), "startup");

  // Audited (info), with the figures shown.
  std::string admin = adminToken();
  ASSERT_TRUE(waitUntil([&] {
    auto logs = b->host.get("/api/admin/audit-logs?action=billing.change_previewed&userId=" + user, admin);
    return logs.status == 200 && parseObject(logs.body)->getValue<int>("total") == 1;
  }));
  auto entry = parseObject(b->host.get("/api/admin/audit-logs?action=billing.change_previewed&userId=" + user, admin).body)
                   ->getArray("logs")->getObject(0);
  EXPECT_EQ(entry->getValue<std::string>("severity"), "info");
  EXPECT_EQ(entry->getValue<std::string>("resourceType"), "subscription");
  EXPECT_EQ(entry->getValue<std::string>("resourceId"), subscriptionId);
  EXPECT_EQ(entry->getObject("metadata")->getValue<std::int64_t>("creditsGranted"), credits);

  // The change with the preview's effectiveAt: Stripe prorates as of the same second.
  auto change = b->host.post("/api/subscriptions/change-plan",
                             R"({"newPlanId":"enterprise_monthly","effectiveAt":")" + p->getValue<std::string>("effectiveAt") + R"("})", token);
  ASSERT_EQ(change.status, 200) << change.body;
  EXPECT_EQ(stripe->requests("POST", "/v1/subscriptions/" + subscriptionId).back().field("proration_date"), std::to_string(at));

  // The paid proration invoice grants the previewed credits, once.
  std::string paid = invoicePaid("evt_paid" + n);
  auto first = b->webhook(paid);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(jsonField(first.body, "outcome"), "applied");
  EXPECT_EQ(balance(), credits);
  EXPECT_EQ(ledgerRows("upgrade:"), 1);
  EXPECT_EQ(ledgerRows("invoice:"), 0);  // a proration invoice starts no new month
  EXPECT_EQ(b->value("SELECT amount FROM \"Transaction\" WHERE reference = 'upgrade:" + lastInvoiceId() + "'"),
            std::to_string(credits));
  EXPECT_EQ(jsonField(b->webhook(paid).body, "outcome"), "duplicate");
  // invoice.payment_succeeded for the same invoice is another event, and still no second grant.
  ASSERT_EQ(b->webhook(invoicePaid("evt_succeeded" + n, "invoice.payment_succeeded")).status, 200);
  EXPECT_EQ(balance(), credits);
  EXPECT_EQ(ledgerRows(), 1);

  auto history = parseObject(b->host.get("/api/credits", token).body)->getArray("transactions");
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->getObject(0)->getValue<std::string>("reason"), "upgrade");
}

TEST_P(ChangePreview, DowngradePreviewIsZeroAndItsInvoiceTakesNothingBack) {
  subscribe("enterprise_monthly");
  ASSERT_EQ(b->host.post("/api/test/billing/grant", R"({"amount":1000,"key":"seed:)" + n + R"("})", token).status, 200);
  auto r = preview(R"({"planId":"startup_monthly"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "creditsGranted"), "0");
  EXPECT_EQ(jsonField(r.body, "amountDueCents"), "0");  // the unused time is credited, nothing is due

  ASSERT_EQ(b->host.post("/api/subscriptions/change-plan", R"({"newPlanId":"startup_monthly"})", token).status, 200);
  auto paid = b->webhook(invoicePaid("evt_down" + n));
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(jsonField(paid.body, "outcome"), "applied");
  EXPECT_EQ(balance(), 1000);
  EXPECT_EQ(ledgerRows(), 1);
}

TEST_P(ChangePreview, InvoicePaidBeforeTheSubscriptionUpdateStillGrantsTheRightAmountOnce) {
  subscribe("startup_monthly");
  // Changed in the Billing Portal: our row still says startup when the invoice arrives.
  std::int64_t before = nowUnix();
  changeAtStripe("price_enterprise_monthly");
  std::int64_t after = nowUnix();
  std::string paid = invoicePaid("evt_early" + n);
  ASSERT_EQ(jsonField(b->webhook(paid).body, "outcome"), "applied");
  EXPECT_EQ(b->value("SELECT plan FROM \"Subscription\" WHERE id = '" + subscriptionId + "'"), "startup_monthly");
  std::int64_t granted = balance();
  EXPECT_GE(granted, expectedCredits(700, after));
  EXPECT_LE(granted, expectedCredits(700, before));
  EXPECT_GT(granted, 400);

  subscriptionUpdated("evt_late" + n);
  EXPECT_EQ(b->value("SELECT plan FROM \"Subscription\" WHERE id = '" + subscriptionId + "'"), "enterprise_monthly");
  EXPECT_EQ(jsonField(b->webhook(paid).body, "outcome"), "duplicate");
  ASSERT_EQ(b->webhook(invoicePaid("evt_late_succeeded" + n, "invoice.payment_succeeded")).status, 200);
  EXPECT_EQ(balance(), granted);
  EXPECT_EQ(ledgerRows(), 1);
}

TEST_P(ChangePreview, IntervalChangeInvoiceGrantsTheNewPeriodsFirstMonthOnce) {
  subscribe("startup_monthly");
  // Monthly to annual in the Billing Portal: Stripe starts a new (annual) period at once and
  // bills it in full on the subscription_update invoice; our row still says startup_monthly.
  changeAtStripe("price_enterprise_annual");
  std::string paid = invoicePaid("evt_interval" + n);
  auto first = b->webhook(paid);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(jsonField(first.body, "outcome"), "applied");
  EXPECT_EQ(balance(), 1200);  // enterprise_annual's month, not startup_monthly's 300
  EXPECT_EQ(ledgerRows("invoice:" + lastInvoiceId()), 1);
  EXPECT_EQ(ledgerRows("upgrade:"), 0);  // no proration pair: nothing on top

  EXPECT_EQ(jsonField(b->webhook(paid).body, "outcome"), "duplicate");
  ASSERT_EQ(b->webhook(invoicePaid("evt_interval_succeeded" + n, "invoice.payment_succeeded")).status, 200);
  subscriptionUpdated("evt_interval_update" + n);
  EXPECT_EQ(b->value("SELECT plan FROM \"Subscription\" WHERE id = '" + subscriptionId + "'"), "enterprise_annual");
  EXPECT_EQ(balance(), 1200);
  EXPECT_EQ(ledgerRows(), 1);
}

TEST_P(ChangePreview, ConcurrentDeliveriesToTwoHostsGrantOnce) {
  subscribe("startup_monthly");
  changeAtStripe("price_enterprise_monthly");
  // A second host on the same database (PostgreSQL); on SQLite the one host, many connections.
  FakeStripeServer otherStripe;
  std::unique_ptr<BillingHost> other;
  BillingHost* second = b;
  if (GetParam() == "postgresql") {
    other = std::make_unique<BillingHost>(billingConfig(otherStripe), nullptr, b->host.databaseUrl());
    ASSERT_TRUE(other->host.start()) << other->host.output();
    second = other.get();
  }
  const std::string paid = invoicePaid("evt_race" + n);
  const std::string succeeded = invoicePaid("evt_race_succeeded" + n, "invoice.payment_succeeded");
  std::atomic<int> applied{0}, failed{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < 8; ++i)
    senders.emplace_back([&, i] {
      BillingHost* to = i % 2 ? second : b;
      auto r = to->webhook(i % 4 < 2 ? paid : succeeded);
      if (r.status != 200) ++failed;
      else if (jsonField(r.body, "outcome") == "applied") ++applied;
    });
  for (auto& t : senders) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(applied.load(), 2);  // each event once, on whichever host got it first
  EXPECT_EQ(ledgerRows("upgrade:"), 1);
  EXPECT_EQ(ledgerRows(), 1);
  EXPECT_GT(balance(), 400);
  EXPECT_EQ(b->value("SELECT amount FROM \"Transaction\" WHERE reference = 'upgrade:" + lastInvoiceId() + "'"),
            std::to_string(balance()));
}

TEST_P(ChangePreview, BadInputGetsChangePlansErrorsAndReachesNoStripe) {
  auto previewsBefore = stripe->requests("POST", "/v1/invoices/create_preview").size();
  EXPECT_EQ(preview(R"({"planId":"enterprise_monthly"})").status, 404);  // no subscription yet
  subscribe("startup_monthly");
  struct Case { const char* body; int status; const char* error; };
  for (const Case& c : {Case{R"({})", 400, "planId is required"}, Case{R"({"planId":7})", 400, "planId must be a string"},
                        Case{R"({"planId":""})", 400, "planId must not be empty"},
                        Case{R"({"planId":"gold"})", 400, "unknown planId"},
                        Case{R"({"planId":"startup_monthly"})", 409, "you are already on this plan"},
                        Case{R"({"planId":)", 400, ""}, Case{R"(["enterprise_monthly"])", 400, ""}}) {
    auto r = preview(c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << c.body;
    if (*c.error) EXPECT_EQ(jsonField(r.body, "error"), c.error) << c.body;
  }
  EXPECT_EQ(b->host.post("/api/subscriptions/preview-change", R"({"planId":"enterprise_monthly"})").status, 401);
  EXPECT_EQ(stripe->requests("POST", "/v1/invoices/create_preview").size(), previewsBefore);

  // change-plan's effectiveAt must be a recent preview's.
  auto changes = stripe->requests("POST", "/v1/subscriptions/" + subscriptionId).size();
  for (const std::string& at : {std::string("\"yesterday\""), std::string("17"), cc::billing::isoFromUnix(nowUnix() - 2 * 3600),
                                cc::billing::isoFromUnix(nowUnix() + 3600), std::string("\"2025-01-15T00:00:00Z\"")}) {
    std::string value = at.front() == '"' || at.find('T') == std::string::npos ? at : "\"" + at + "\"";
    auto r = b->host.post("/api/subscriptions/change-plan", R"({"newPlanId":"enterprise_monthly","effectiveAt":)" + value + "}", token);
    EXPECT_EQ(r.status, 400) << value << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty());
  }
  EXPECT_EQ(stripe->requests("POST", "/v1/subscriptions/" + subscriptionId).size(), changes);
  EXPECT_EQ(b->value("SELECT plan FROM \"Subscription\" WHERE id = '" + subscriptionId + "'"), "startup_monthly");
}

TEST_P(ChangePreview, StripeFailuresAreMappedAndChangeNothing) {
  subscribe("startup_monthly");
  stripe->failNext(ScriptedFailure{500}, 4);  // the first try and max_retries (3) retries
  auto down = preview(R"({"planId":"enterprise_monthly"})");
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_FALSE(jsonField(down.body, "error").empty());
  stripe->failNext(ScriptedFailure{429, "invalid_request_error", "rate_limit", "Too many requests"});
  EXPECT_EQ(preview(R"({"planId":"enterprise_monthly"})").status, 503);
  EXPECT_EQ(ledgerRows(), 0);
  EXPECT_EQ(preview(R"({"planId":"enterprise_monthly"})").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Engines, ChangePreview, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// With create_prorations (the default) Stripe bills the change with the next cycle invoice:
// that invoice grants the new plan's month and, once, the previewed upgrade credits.
TEST(ChangePreviewCreateProrations, TheCycleInvoiceGrantsThePreviewedCreditsOnce) {
  FakeStripeServer stripe;
  stripe.setNewSubscriptionStatus("active");
  BillingHost b(billingConfig(stripe));
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("prorations@example.com"), user = b.userId(token);
  auto created = b.host.post("/api/subscriptions/create", R"({"planId":"startup_monthly"})", token);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string sub = jsonField(created.body, "subscriptionId");

  auto p = b.host.post("/api/subscriptions/preview-change", R"({"planId":"enterprise_monthly"})", token);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(stripe.requests("POST", "/v1/invoices/create_preview").back().field("subscription_details[proration_behavior]"),
            "create_prorations");
  std::int64_t credits = std::stoll(jsonField(p.body, "creditsGranted"));
  EXPECT_GE(credits, 690);  // the period has only just begun
  ASSERT_EQ(b.host.post("/api/subscriptions/change-plan",
                        R"({"newPlanId":"enterprise_monthly","effectiveAt":")" + jsonField(p.body, "effectiveAt") + R"("})", token).status,
            200);
  EXPECT_EQ(stripe.lastInvoiceOf(sub), "");  // nothing invoiced yet

  std::string cycle = stripe.renew(sub);
  std::string invoiceId = parseObject(cycle)->getValue<std::string>("id");
  const std::string paid = rawEvent("evt_cycle_paid", "invoice.paid", nowUnix(), cycle);
  ASSERT_EQ(jsonField(b.webhook(paid).body, "outcome"), "applied");
  EXPECT_EQ(jsonField(b.webhook(paid).body, "outcome"), "duplicate");
  ASSERT_EQ(b.webhook(rawEvent("evt_cycle_succeeded", "invoice.payment_succeeded", nowUnix(), cycle)).status, 200);
  EXPECT_EQ(b.value("SELECT amount FROM \"Transaction\" WHERE reference = 'invoice:" + invoiceId + "'"), "1000");
  EXPECT_EQ(b.value("SELECT amount FROM \"Transaction\" WHERE reference = 'upgrade:" + invoiceId + "'"),
            std::to_string(credits));
  EXPECT_EQ(b.value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"), std::to_string(1000 + credits));
}

TEST(ChangePreviewUnconfigured, PreviewAnswers503WithoutASecretKey) {
  BillingHost billing("{ secret_key: '', webhook_secret: '' }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  std::string token = billing.host.signup("unconfigured-preview@example.com");
  auto r = billing.host.post("/api/subscriptions/preview-change", R"({"planId":"enterprise_monthly"})", token);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(jsonField(r.body, "error"), "billing is not configured");
  EXPECT_EQ(billing.host.post("/api/subscriptions/preview-change", "{", token).status, 503);
}
